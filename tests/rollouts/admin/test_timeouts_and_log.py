"""The admin sets a rollout's progress timeouts and shows each device update's action log."""

from datetime import timedelta

import pytest
from django.urls import reverse

from rollouts.models import DeviceUpdate, LogChannel, Strategy, UpdateStatus
from rollouts.services import update_log
from rollouts.services.update_log import MAX_LOG_LINES, Report
from tests.factories import DeviceFactory
from tests.rollouts.admin.test_policy_form import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def suspended(offerable_release):
    return offerable_release("3.0.0", strategy=Strategy.SUSPENDED).rollout


def change_url(rollout):
    return reverse("admin:rollouts_rollout_change", args=[rollout.pk])


def test_the_rollout_form_explains_the_timeouts(admin_client, suspended):
    page = admin_client.get(change_url(suspended)).content.decode()

    assert "Progress timeouts" in page and 'name="download_timeout"' in page and 'name="install_timeout"' in page
    assert "How long a device may stay installing before its update times out" in page


def test_saving_timeouts_on_the_form_sets_them_through_the_policy(admin_client, suspended):
    data = {**form_data(suspended, strategy="suspended"), "download_timeout": "2:00:00", "install_timeout": "0:30:00"}

    response = admin_client.post(change_url(suspended), data)

    assert response.status_code == 302
    suspended.refresh_from_db()
    assert (suspended.download_timeout, suspended.install_timeout) == (timedelta(hours=2), timedelta(minutes=30))
    assert "download timeout 2:00:00; install timeout 0:30:00" in suspended.events.first().message


def test_a_timeout_under_a_minute_is_refused_on_the_form(admin_client, suspended):
    data = {**form_data(suspended, strategy="suspended"), "download_timeout": "0:00:30"}

    response = admin_client.post(change_url(suspended), data)

    assert response.status_code == 200 and "download_timeout" in response.context["adminform"].form.errors
    suspended.refresh_from_db()
    assert suspended.download_timeout is None


@pytest.fixture
def update(offerable_release, product):
    release = offerable_release("2.0.0")
    return DeviceUpdate.objects.create(device=DeviceFactory(product=product), release=release,
                                       status=UpdateStatus.FAILED)


def update_page(admin_client, update):
    return admin_client.get(reverse("admin:rollouts_deviceupdate_change", args=[update.pk])).content.decode()


def test_the_update_page_shows_each_report_with_its_messages(admin_client, update):
    update_log.append(update, UpdateStatus.DOWNLOADING, Report(LogChannel.DDI, "proceeding/none", ("writing <rootfs>",)))
    update_log.append(update, UpdateStatus.FAILED, Report(LogChannel.DDI, "closed/failure", ("Image invalid",)))

    page = update_page(admin_client, update)

    assert page.index("proceeding/none") < page.index("closed/failure")
    assert "writing &lt;rootfs&gt;" in page and "Image invalid" in page


def test_the_update_page_names_the_trimmed_lines(admin_client, update):
    update_log.append(update, UpdateStatus.FAILED,
                      Report(LogChannel.DDI, "closed/failure", tuple(f"n{n}" for n in range(MAX_LOG_LINES + 3))))

    page = update_page(admin_client, update)

    assert update_log.trimmed_note(3) in page


def test_the_device_page_links_each_update_to_its_action_log(admin_client, update):
    page = admin_client.get(reverse("admin:devices_device_change", args=[update.device_id])).content.decode()

    assert f'href="{reverse("admin:rollouts_deviceupdate_change", args=[update.pk])}" class="ota-update-log-link"' in page
