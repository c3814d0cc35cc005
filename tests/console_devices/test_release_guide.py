"""The guided release flow: each step through the services the other faces use; only Start makes it live."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.choices import ArtifactState
from catalog.models import Artifact
from rollouts.models import RolloutState, Strategy
from tests.factories import DeviceFactory, ReleaseFactory, UserFactory
from tests.fixtures.rollouts import attach_verified_artifact
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(product):
    """A release with a verified file whose rollout is a draft."""
    release = ReleaseFactory(product=product, version="2.0.0")
    attach_verified_artifact(release)
    return release


def guide(release):
    return reverse("admin:catalog_release_guide", args=[release.pk])


def phases_form(*rows):
    data = {"step": "phases", "phases-TOTAL_FORMS": str(len(rows)), "phases-INITIAL_FORMS": "0"}
    for index, (percentage, soak) in enumerate(rows):
        data[f"phases-{index}-percentage"] = percentage
        data[f"phases-{index}-min_soak"] = soak
    return data


def test_the_release_page_links_to_its_guide(admin_client, draft):
    page = admin_client.get(reverse("admin:catalog_release_change", args=[draft.pk])).content.decode()

    assert guide(draft) in page


def test_the_add_page_can_continue_in_the_guide(admin_client, product):
    response = admin_client.post(reverse("admin:catalog_release_add"), {
        "module": product.modules.get(name="default").pk, "version": "3.0.0",
        "package_type": "firmwarePackage",
        "allowed_source_versions": "[]", "status": "active", "_guide": "1",
    })

    release = product.releases.get(version="3.0.0")
    assert response.status_code == 302 and response["Location"] == guide(release)


def test_the_artifact_state_answers_for_the_badge(admin_client, draft):
    answer = admin_client.get(reverse("admin:catalog_release_artifact_state", args=[draft.pk]))

    assert answer.json()["artifact"]["state"] == "verified" and answer.json()["settled"] is True
    assert 'data-state="verified"' in answer.json()["artifact"]["badge"]
    assert "no-store" in answer["Cache-Control"]


def test_a_release_without_a_file_is_not_settled(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")

    answer = admin_client.get(reverse("admin:catalog_release_artifact_state", args=[release.pk])).json()

    assert answer["artifact"]["state"] == "none" and answer["settled"] is False


def test_an_upload_in_the_guide_stores_the_file_pending_verification(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    upload = SimpleUploadedFile("fw.bin", b"firmware\n" * 100)

    response = admin_client.post(guide(release), {"step": "upload", "artifact_file": upload})

    assert response.status_code == 302 and response["Location"].endswith("#step-upload")
    assert Artifact.objects.get(release=release).state in (ArtifactState.PENDING, ArtifactState.VERIFYING,
                                                           ArtifactState.VERIFIED)


def test_saving_the_target_sets_the_policy_and_keeps_the_draft(admin_client, draft):
    beta = DeviceFilterFactory(name="beta", conditions=[])

    target = {"step": "target", "strategy": "targeted", "filters": [beta.pk], "update_type": "soft"}

    response = admin_client.post(guide(draft), target)

    assert response.status_code == 302
    rollout = draft.rollout
    rollout.refresh_from_db()
    assert (rollout.strategy, rollout.state, rollout.update_type) == (Strategy.TARGETED, RolloutState.DRAFT,
                                                                      "soft")
    assert list(rollout.filters.all()) == [beta]


def test_a_targeted_rollout_without_a_filter_is_refused_on_the_field(admin_client, draft):
    target = {"step": "target", "strategy": "targeted", "update_type": "forced"}

    response = admin_client.post(guide(draft), target)

    assert response.status_code == 200
    assert "at least one filter" in str(response.context["target_form"].errors["filters"])


def test_saving_the_phases_replaces_them(admin_client, draft):
    response = admin_client.post(guide(draft), phases_form(("10", "1:00:00"), ("100", "")))

    assert response.status_code == 302
    assert [(phase.percentage, phase.min_soak.total_seconds()) for phase in draft.rollout.phases.all()] == [
        (10, 3600), (100, 0)]


def test_shrinking_phases_are_refused_as_set_policy_refuses_them(admin_client, draft):
    response = admin_client.post(guide(draft), phases_form(("50", ""), ("10", "")))

    assert response.status_code == 200
    assert "Phases never shrink" in str(response.context["phase_forms"].non_form_errors())
    assert not draft.rollout.phases.exists()


def test_the_dry_run_shows_who_the_first_phase_reaches(admin_client, draft, product):
    DeviceFactory.create_batch(2, product=product, installed_versions={"default": "1.0.0"})
    admin_client.post(guide(draft), {"step": "target", "strategy": "general", "update_type": "forced"})

    response = admin_client.get(guide(draft))

    assert response.context["preview"].total == 2
    assert reverse("admin:rollouts_rollout_start", args=[draft.rollout.pk]) + "?strategy=general" in \
        response.content.decode()


def test_a_started_rollout_is_changed_on_its_policy_page_not_in_the_guide(admin_client, draft):
    admin_client.post(guide(draft), {"step": "target", "strategy": "general", "update_type": "forced"})
    start_page = reverse("admin:rollouts_rollout_start", args=[draft.rollout.pk])
    admin_client.post(start_page, {"strategy": "general"})

    admin_client.post(guide(draft), phases_form(("10", "")))

    draft.rollout.refresh_from_db()
    assert draft.rollout.state == RolloutState.RUNNING and not draft.rollout.phases.exists()


def test_an_unknown_step_is_a_400(admin_client, draft):
    assert admin_client.post(guide(draft), {"step": "launch"}).status_code == 400


def staff_with(*codenames):
    user = UserFactory(username="-".join(codenames), is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def test_a_user_who_may_not_see_rollouts_gets_no_guide(client, draft):
    client.force_login(staff_with("view_release"))

    assert client.get(guide(draft)).status_code == 403


def test_a_user_who_may_only_look_cannot_set_the_target(client, draft):
    client.force_login(staff_with("view_release", "view_rollout"))

    page = client.get(guide(draft))
    refused = client.post(guide(draft), {"step": "target", "strategy": "general", "update_type": "forced"})

    assert page.status_code == 200 and "Save the target" not in page.content.decode()
    assert refused.status_code == 403
    draft.rollout.refresh_from_db()
    assert draft.rollout.strategy == Strategy.SUSPENDED


def test_a_user_who_may_not_change_the_release_cannot_upload(client, draft):
    client.force_login(staff_with("view_release", "view_rollout", "change_rollout"))
    upload = SimpleUploadedFile("fw.bin", b"firmware\n")

    assert client.post(guide(draft), {"step": "upload", "artifact_file": upload}).status_code == 403


def test_a_started_rollouts_guide_links_to_its_progress_instead_of_counting_again(admin_client, draft):
    admin_client.post(guide(draft), {"step": "target", "strategy": "general", "update_type": "forced"})
    start_page = reverse("admin:rollouts_rollout_start", args=[draft.rollout.pk])
    admin_client.post(start_page, {"strategy": "general"})

    response = admin_client.get(guide(draft))

    assert response.context["preview"] is None
    assert reverse("admin:rollouts_rollout_progress", args=[draft.rollout.pk]) in response.content.decode()
