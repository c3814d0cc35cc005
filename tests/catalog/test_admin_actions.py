"""What the release manager does in the admin: upload, verify again, deprecate."""

import hashlib

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.choices import ArtifactState, FailureReason, ReleaseStatus
from catalog.models import Artifact, Release
from catalog.services import verification
from tests.factories import ReleaseFactory, UserFactory
from tests.fixtures.services import wait_for


def release_url(view, *args):
    return reverse(f"admin:catalog_release_{view}", args=args)


def change_form_data(release, **extra):
    """The fields the release change form posts, as they are."""
    return {
        "package_type": release.package_type,
        "release_notes": release.release_notes,
        "description": release.description,
        "min_agent_version": release.min_agent_version,
        "allowed_source_versions": "[]",
        "custom_info": release.custom_info,
        "declared_sha256": release.declared_sha256,
        "declared_size": release.declared_size or "",
        "specification": "null",
        "metadata": "null",
        **extra,
    }


def stored_keys(s3, settings):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return {item["Key"] for item in listing.get("Contents", [])}


def logged_messages(release):
    return list(LogEntry.objects.filter(object_id=str(release.pk), action_flag=CHANGE)
                .values_list("change_message", flat=True))


# --- upload ---

@pytest.mark.django_db
def test_uploading_a_file_on_the_release_page_stores_it_and_queues_verification(admin_client, s3, settings):
    release = ReleaseFactory()
    content = b"new firmware image"

    response = admin_client.post(release_url("change", release.pk), change_form_data(
        release, artifact_file=SimpleUploadedFile("fw-2.bin", content)))

    assert response.status_code == 302, response.context["adminform"].form.errors
    artifact = Artifact.objects.get(release=release)
    assert artifact.state == ArtifactState.PENDING
    assert artifact.file_name == "fw-2.bin"
    stored = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key)["Body"].read()
    assert stored == content


@pytest.mark.django_db
def test_a_release_can_be_added_with_its_file(admin_client, product):
    content = b"first image"

    response = admin_client.post(release_url("add"), {
        **change_form_data(ReleaseFactory.build(product=product)),
        "module": product.modules.get(name="default").pk, "version": "3.0.0",
        "declared_sha256": hashlib.sha256(content).hexdigest(),
        "artifact_file": SimpleUploadedFile("first.bin", content),
    })

    assert response.status_code == 302
    release = Release.objects.get(version="3.0.0")
    assert release.product == product
    assert release.artifact.declared_sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.django_db
def test_a_file_with_an_unsafe_name_is_refused_and_nothing_is_stored(admin_client, s3, settings):
    release = ReleaseFactory()
    before = stored_keys(s3, settings)

    response = admin_client.post(release_url("change", release.pk), change_form_data(
        release, artifact_file=SimpleUploadedFile("../etc/pass wd", b"x")))

    assert response.status_code == 200
    assert "artifact_file" in response.context["adminform"].form.errors
    assert not Artifact.objects.filter(release=release).exists()
    assert stored_keys(s3, settings) == before


@pytest.mark.django_db
def test_a_file_larger_than_allowed_is_refused(admin_client, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 4
    release = ReleaseFactory()

    response = admin_client.post(release_url("change", release.pk), change_form_data(
        release, artifact_file=SimpleUploadedFile("big.bin", b"12345")))

    assert "artifact_file" in response.context["adminform"].form.errors
    assert not Artifact.objects.filter(release=release).exists()


@pytest.mark.django_db
def test_the_declared_checksum_is_read_only_once_a_file_is_uploaded(admin_client, verified_release):
    release = verified_release()

    admin_client.post(release_url("change", release.pk), change_form_data(release, declared_sha256="0" * 64))

    release.refresh_from_db()
    assert release.declared_sha256 != "0" * 64


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_file_is_verified_by_the_worker(admin_client, celery_worker):
    release = ReleaseFactory()
    content = b"verified through the admin"

    admin_client.post(release_url("change", release.pk), change_form_data(
        release, declared_sha256=hashlib.sha256(content).hexdigest(),
        artifact_file=SimpleUploadedFile("fw.bin", content)))

    artifact = wait_for(lambda: Artifact.objects.filter(release=release, state=ArtifactState.VERIFIED)
                        .first(), message="verification")
    assert artifact.size == len(content)


# --- verify again ---

def break_and_repair(release, s3, settings):
    """The artifact's object goes missing, verification fails, then the object is put back."""
    artifact = release.artifact
    content = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key)["Body"].read()
    s3.delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key)
    failed = verification.verify_now(artifact)
    assert failed.failure_reason == FailureReason.OBJECT_MISSING
    s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key, Body=content)
    return artifact


@pytest.mark.django_db(transaction=True)
def test_verify_again_on_the_release_list_gets_a_repaired_artifact_verified(
        admin_client, verified_release, celery_worker, s3, settings):
    release = verified_release()
    artifact = break_and_repair(release, s3, settings)

    response = admin_client.post(release_url("changelist"), {
        "action": "verify_again_selected", "_selected_action": [release.pk], "index": 0})

    assert response.status_code == 302
    result = wait_for(lambda: Artifact.objects.filter(pk=artifact.pk, state=ArtifactState.VERIFIED).first(),
                      message="verification again")
    assert result.failure_reason == ""
    assert logged_messages(release) == ["Queued the artifact's verification again."]


@pytest.mark.django_db
def test_verify_again_button_marks_the_artifact_pending_and_logs_it(admin_client, verified_release):
    release = verified_release()

    response = admin_client.post(release_url("verify_again", release.pk))

    assert response.status_code == 302
    assert response.url == release_url("change", release.pk)
    assert Artifact.objects.get(release=release).state == ArtifactState.PENDING
    assert logged_messages(release) == ["Queued the artifact's verification again."]


@pytest.mark.django_db
def test_verify_again_answers_405_to_a_get_and_changes_nothing(admin_client, verified_release):
    release = verified_release()

    response = admin_client.get(release_url("verify_again", release.pk))

    assert response.status_code == 405
    assert Artifact.objects.get(release=release).state == ArtifactState.VERIFIED


@pytest.mark.django_db
def test_verify_again_is_refused_to_a_user_who_may_only_view(client, verified_release):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_release"))
    client.force_login(viewer)
    release = verified_release()

    response = client.post(release_url("verify_again", release.pk))

    assert response.status_code == 403
    assert Artifact.objects.get(release=release).state == ArtifactState.VERIFIED


@pytest.mark.django_db
def test_verify_again_on_a_release_without_artifact_warns(admin_client):
    release = ReleaseFactory()

    response = admin_client.post(release_url("changelist"), {
        "action": "verify_again_selected", "_selected_action": [release.pk], "index": 0}, follow=True)

    assert "1 selected item(s) have no artifact." in [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_verify_again_button_on_the_artifact_page(admin_client, verified_release):
    artifact = verified_release().artifact

    response = admin_client.post(reverse("admin:catalog_artifact_verify_again", args=[artifact.pk]))

    assert response.status_code == 302
    assert Artifact.objects.get(pk=artifact.pk).state == ArtifactState.PENDING


# --- deprecate ---

@pytest.mark.django_db
def test_deprecate_on_the_list_asks_for_a_reason_first(admin_client):
    release = ReleaseFactory()

    response = admin_client.post(release_url("changelist"), {
        "action": "deprecate_selected", "_selected_action": [release.pk], "index": 0})

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    release.refresh_from_db()
    assert release.status == ReleaseStatus.ACTIVE


@pytest.mark.django_db
def test_deprecate_on_the_list_with_a_reason_deprecates_and_logs(admin_client):
    releases = [ReleaseFactory(), ReleaseFactory()]

    response = admin_client.post(release_url("changelist"), {
        "action": "deprecate_selected", "_selected_action": [r.pk for r in releases], "apply": "Deprecate",
        "reason": "Bricks the display"})

    assert response.status_code == 302
    for release in releases:
        release.refresh_from_db()
        assert (release.status, release.deprecate_reason) == (ReleaseStatus.DEPRECATED, "Bricks the display")
        assert logged_messages(release) == ["Deprecated: Bricks the display"]


@pytest.mark.django_db
def test_deprecate_without_a_reason_asks_again(admin_client):
    release = ReleaseFactory()

    response = admin_client.post(release_url("changelist"), {
        "action": "deprecate_selected", "_selected_action": [release.pk], "apply": "Deprecate",
        "reason": " "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.ACTIVE


@pytest.mark.django_db
def test_deprecate_page_of_one_release_shows_the_question_on_get(admin_client):
    release = ReleaseFactory()

    response = admin_client.get(release_url("deprecate", release.pk))

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    release.refresh_from_db()
    assert release.status == ReleaseStatus.ACTIVE


@pytest.mark.django_db
def test_deprecate_page_of_one_release_deprecates_on_post(admin_client):
    release = ReleaseFactory()

    response = admin_client.post(release_url("deprecate", release.pk), {"reason": "Superseded by 2.0"})

    assert response.status_code == 302
    assert response.url == release_url("change", release.pk)
    release.refresh_from_db()
    assert release.deprecate_reason == "Superseded by 2.0"
    assert release.deprecated_at is not None


@pytest.mark.django_db
def test_deprecate_button_is_shown_only_for_an_active_release(admin_client):
    active, deprecated = ReleaseFactory(), ReleaseFactory()
    deprecated.deprecate("old")

    active_page = admin_client.get(release_url("change", active.pk)).content
    deprecated_page = admin_client.get(release_url("change", deprecated.pk)).content

    assert release_url("deprecate", active.pk).encode() in active_page
    assert release_url("deprecate", deprecated.pk).encode() not in deprecated_page


@pytest.mark.django_db
def test_object_action_on_an_unknown_release_answers_404(admin_client):
    response = admin_client.post(release_url("verify_again", "3f1c0b1e-0000-4000-8000-000000000000"))

    assert response.status_code == 404
