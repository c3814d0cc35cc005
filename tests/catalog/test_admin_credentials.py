"""API tokens and access keys in the admin: the secret is shown once, only its hash is kept, revocation."""

import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse

from catalog.models import AccessKey, ApiToken, Scope
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'<code class="ota-secret">([^<]+)</code>')


def shown_secrets(response):
    return [match for message in response.context["messages"] for match in SECRET.findall(str(message))]


@pytest.fixture
def token_manager(client):
    """A staff user who may manage API tokens, but is no superuser."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_apitoken"))
    client.force_login(user)
    return user


def test_adding_a_token_shows_its_plaintext_once_and_keeps_only_a_hash(admin_client, admin_user):
    response = admin_client.post(reverse("admin:catalog_apitoken_add"), {
        "user": admin_user.pk, "name": "ci", "scopes": [Scope.SOFTWARE_READ]}, follow=True)

    [plaintext] = shown_secrets(response)
    token = ApiToken.objects.get(name="ci")
    assert ApiToken.authenticate(plaintext) == token
    assert token.scopes == [Scope.SOFTWARE_READ]
    assert plaintext not in (token.digest, token.prefix)
    change_page = admin_client.get(reverse("admin:catalog_apitoken_change", args=[token.pk]))
    assert plaintext.encode() not in change_page.content


def test_a_token_with_an_unknown_scope_is_refused(admin_client, admin_user):
    response = admin_client.post(reverse("admin:catalog_apitoken_add"), {
        "user": admin_user.pk, "name": "ci", "scopes": ["everything"]})

    assert "scopes" in response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()


def test_revoking_tokens_from_the_list_stops_them_and_logs_it(admin_client, admin_user):
    token, plaintext = ApiToken.issue(admin_user, name="ci")

    response = admin_client.post(reverse("admin:catalog_apitoken_changelist"), {
        "action": "revoke_selected", "_selected_action": [token.pk], "index": 0})

    assert response.status_code == 302
    assert ApiToken.authenticate(plaintext) is None
    assert LogEntry.objects.filter(object_id=str(token.pk), action_flag=CHANGE).exists()


def test_revoke_button_revokes_one_token(admin_client, admin_user):
    token, _ = ApiToken.issue(admin_user)

    response = admin_client.post(reverse("admin:catalog_apitoken_revoke", args=[token.pk]))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.status == "revoked"


def test_revoked_tokens_are_found_by_the_status_filter(admin_client, admin_user):
    kept, _ = ApiToken.issue(admin_user, name="kept")
    revoked, _ = ApiToken.issue(admin_user, name="revoked")
    revoked.revoke()

    response = admin_client.get(reverse("admin:catalog_apitoken_changelist"), {"status": "revoked"})

    assert list(response.context["cl"].result_list) == [revoked]


def test_a_staff_user_cannot_issue_a_token_for_someone_else(client, token_manager, admin_user):
    response = client.post(reverse("admin:catalog_apitoken_add"), {"user": admin_user.pk, "name": "escalate"})

    assert "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=admin_user).exists()


def test_a_staff_user_issues_tokens_for_themselves(client, token_manager):
    response = client.post(reverse("admin:catalog_apitoken_add"), {"user": token_manager.pk, "name": "mine"},
                           follow=True)

    [plaintext] = shown_secrets(response)
    assert ApiToken.authenticate(plaintext).user == token_manager


def test_a_staff_user_sees_only_their_own_tokens(client, token_manager, admin_user):
    mine, _ = ApiToken.issue(token_manager)
    ApiToken.issue(admin_user)

    response = client.get(reverse("admin:catalog_apitoken_changelist"))

    assert list(response.context["cl"].result_list) == [mine]


def test_adding_an_access_key_shows_its_id_and_secret_once(admin_client, admin_user):
    response = admin_client.post(reverse("admin:catalog_accesskey_add"),
                                 {"user": admin_user.pk, "name": "sdk"}, follow=True)

    access_key_id, secret = shown_secrets(response)
    key = AccessKey.objects.get(name="sdk")
    assert key.access_key_id == access_key_id
    assert key.secret == secret
    assert secret.encode() not in bytes(key.encrypted_secret)


def test_revoke_button_revokes_an_access_key(admin_client, admin_user):
    key, _ = AccessKey.issue(admin_user)

    admin_client.post(reverse("admin:catalog_accesskey_revoke", args=[key.pk]))

    assert not AccessKey.objects.usable().filter(pk=key.pk).exists()
