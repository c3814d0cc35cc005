"""Admin logins are limited per client address by django-axes: past AXES_FAILURE_LIMIT failed
logins the address is locked out for AXES_COOLOFF_TIME, whatever password it sends."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
GUESSER, BYSTANDER = "203.0.113.7", "198.51.100.4"
LOCKED_OUT = "Account locked: too many login attempts. Please try again later."


@pytest.fixture
def operator(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(username="operator", is_staff=True)
    user.set_password("correct horse")
    user.save()
    return user


def log_in(client, password, address):
    return client.post(LOGIN, {"username": "operator", "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address)


def test_failed_logins_below_the_limit_show_the_form_again(client, operator):
    statuses = [log_in(client, "guess", GUESSER).status_code for _ in range(2)]

    assert statuses == [200, 200]


def test_the_failure_that_reaches_the_limit_locks_the_address_out(client, operator):
    for _ in range(2):
        log_in(client, "guess", GUESSER)

    response = log_in(client, "guess", GUESSER)

    assert response.status_code == 429
    assert response.content.decode() == LOCKED_OUT


def test_the_lock_out_says_when_to_try_again(client, operator, settings):
    settings.AXES_COOLOFF_TIME = 0.25
    for _ in range(3):
        log_in(client, "guess", GUESSER)

    response = log_in(client, "guess", GUESSER)

    assert response["Retry-After"] == "900"


def test_a_locked_out_address_is_refused_even_with_the_right_password(client, operator):
    for _ in range(3):
        log_in(client, "guess", GUESSER)

    response = log_in(client, "correct horse", GUESSER)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_another_address_may_still_log_in(client, operator):
    for _ in range(3):
        log_in(client, "guess", GUESSER)

    response = log_in(client, "correct horse", BYSTANDER)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(operator.pk)


def test_behind_a_trusted_proxy_the_forwarded_client_is_locked_out(client, operator, settings):
    settings.OTA_TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        client.post(LOGIN, {"username": "operator", "password": "guess"}, REMOTE_ADDR="10.0.0.2",
                    HTTP_X_FORWARDED_FOR=GUESSER)

    assert log_in(client, "correct horse", GUESSER).status_code == 429
