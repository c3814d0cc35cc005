"""What the audit log records: who, through which surface and from where, what object and which fields."""

from datetime import timedelta

import pytest
from django.db import transaction

from audit.models import Action, AuditEntry
from catalog.models import ApiToken, Product
from otaportal import audit_context
from rollouts.models import MaintenanceWindow, RolloutState
from tests.audit.helpers import audited_command, run_command
from tests.factories import ProductFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def test_an_api_change_names_the_user_token_address_object_product_and_fields(api, admin_user, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    token = ApiToken.objects.get(user=admin_user)

    response = api.patch(f"/api/v1/rollouts/{release.pk}", {"skipDispatchingToEndpoint": True}, format="json",
                         REMOTE_ADDR="192.0.2.7")

    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(object_type="rollouts.rollout")
    assert (entry.surface, entry.actor, entry.actor_id) == ("api", "admin", admin_user.pk)
    assert (entry.credential, entry.client_address) == (f"token {token.prefix}", "192.0.2.7")
    assert (entry.object_id, entry.product) == (str(release.rollout.pk), "thermostat")
    assert entry.action == Action.UPDATE
    assert entry.changes == {"skip_dispatching_to_endpoint": [False, True]}


def test_an_admin_change_names_the_session_user_and_the_admin(client, admin_user, offerable_release):
    release = offerable_release("2.0.0")
    client.force_login(admin_user)

    response = client.post(f"/admin/rollouts/rollout/{release.rollout.pk}/pause/", {"reason": "checking"},
                           REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="rollouts.rollout")
    assert (entry.surface, entry.actor, entry.credential, entry.client_address) == (
        "admin", "admin", "", "198.51.100.4")
    assert entry.changes["state"] == [RolloutState.RUNNING, RolloutState.PAUSED]
    assert entry.changes["state_reason"] == ["", "checking"]


def test_a_command_names_the_operating_system_login_and_no_address(offerable_release):
    offerable_release("2.0.0")

    run_command("pause_rollout", "thermostat:2.0.0", "--reason", "checking")

    entry = AuditEntry.objects.get(object_type="rollouts.rollout")
    assert entry.surface == "command" and "@" in entry.actor and entry.actor_id is None
    assert entry.client_address is None


def test_each_write_of_a_transition_is_recorded_once(api, product):
    release = ReleaseFactory(product=product, version="2.0.0")

    api.post(f"/api/v1/rollouts/{release.pk}/start", {"strategy": "general"}, format="json")

    # start() writes the state, then set_policy() the strategy: two writes, two entries, no field twice.
    rollout_changes = [entry.changes for entry in AuditEntry.objects.filter(object_type="rollouts.rollout")
                       .order_by("sequence")]
    assert rollout_changes[0]["state"] == [RolloutState.DRAFT, RolloutState.RUNNING]
    assert rollout_changes[1] == {"strategy": ["suspended", "general"]}
    assert AuditEntry.objects.filter(object_type="rollouts.rolloutevent", action=Action.CREATE).count() == 1


def test_a_change_rolled_back_leaves_no_entry():
    with audited_command(), pytest.raises(RuntimeError), transaction.atomic():
        ProductFactory(key="vanishing")
        assert AuditEntry.objects.filter(product="vanishing").exists()
        raise RuntimeError("the transition failed after writing")

    assert not Product.objects.filter(key="vanishing").exists()
    assert not AuditEntry.objects.exists()


def test_device_traffic_is_not_audited(device_client, device, offerable_release):
    offerable_release("2.0.0")

    report = {"agentVersion": "1.6.0", "modules": {"default": "1.0.0"}}
    response = device_client(device).post("/api/v1/device/check-in", report, format="json")

    assert response.status_code == 200
    device.refresh_from_db()
    assert device.agent_version == "1.6.0"  # the device's row changed, and its update was offered
    assert not AuditEntry.objects.exists()


def test_changes_made_without_a_surface_are_not_audited():
    ProductFactory(key="from-a-task")

    assert not AuditEntry.objects.exists()


def test_secrets_are_recorded_as_changed_never_shown(admin_user):
    with audited_command():
        ApiToken.issue(admin_user, name="ci")

    entry = AuditEntry.objects.get(object_type="catalog.apitoken")
    assert entry.changes["digest"] == [None, "<secret>"]
    assert entry.changes["name"] == [None, "ci"]


def test_a_save_changing_nothing_is_no_entry(product):
    with audited_command():
        product.save()

    assert not AuditEntry.objects.exists()


def test_a_deletion_records_the_values_it_removed(product):
    release = ReleaseFactory(product=product, version="2.0.0")
    with audited_command():
        release.delete()

    entry = AuditEntry.objects.get(object_type="catalog.release", action=Action.DELETE)
    assert entry.changes["version"] == ["2.0.0", None] and entry.product == "thermostat"


def test_group_membership_changes_are_recorded(admin_user):
    from django.contrib.auth.models import Group

    approvers = Group.objects.create(name="approvers")
    with audited_command():
        admin_user.groups.add(approvers)

    entry = AuditEntry.objects.get(object_type="auth.user")
    assert entry.changes == {"groups": {"added": [str(approvers.pk)]}}


def test_an_api_caller_named_outside_a_request_audits_nothing_afterwards(admin_user):
    """A view called without the middleware (a request factory) authenticates in no request's context."""
    audit_context.identify_api_caller(admin_user, "token abc")

    ProductFactory(key="written-later")

    assert audit_context.current().surface is None
    assert not AuditEntry.objects.exists()


def test_devices_imported_in_bulk_are_each_recorded_as_created(product, tmp_path):
    source = tmp_path / "devices.csv"
    source.write_text("uid,product\nbulk-1,thermostat\nbulk-2,thermostat\n")

    run_command("import_devices", str(source), "--output", str(tmp_path / "tokens.csv"))

    entries = AuditEntry.objects.filter(object_type="devices.device", action=Action.CREATE)
    assert sorted(entry.object_repr for entry in entries) == ["bulk-1", "bulk-2"]
    assert {entry.surface for entry in entries} == {"command"}
    assert all(entry.changes["uid"][1] == entry.object_repr for entry in entries)


def test_the_phases_a_start_writes_in_bulk_are_each_recorded(api, product):
    release = ReleaseFactory(product=product, version="2.0.0")

    response = api.post(f"/api/v1/rollouts/{release.pk}/start",
                        {"strategy": "general", "phases": [{"percentage": "10"}, {"percentage": "100"}]},
                        format="json")

    assert response.status_code == 200, response.json()
    phases = AuditEntry.objects.filter(object_type="rollouts.rolloutphase", action=Action.CREATE)
    assert sorted(entry.changes["position"][1] for entry in phases) == [0, 1]


def test_a_rollout_s_maintenance_window_is_recorded_under_the_rollout_s_product(product):
    release = ReleaseFactory(product=product, version="2.0.0")

    with audited_command():
        window = MaintenanceWindow.objects.create(rollout=release.rollout, schedule="0 2 * * *",
                                                  duration=timedelta(hours=3), time_zone="Europe/Berlin")

    entry = AuditEntry.objects.get(object_type="rollouts.maintenancewindow")
    assert (entry.object_id, entry.product) == (str(window.pk), "thermostat")
