"""import_release, verify_artifacts, deprecate_release against the S3 server and a real worker."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.choices import ArtifactState, FailureReason, ReleaseStatus
from catalog.models import Artifact, Release
from tests.catalog.commands import run, run_process
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for


def stored_keys(s3, settings):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture
def firmware(tmp_path):
    path = tmp_path / "thermo-2.0.0.bin"
    path.write_bytes(b"\x7fELF firmware " * 5000)
    return path


# --- import_release ---

@pytest.mark.django_db
def test_import_release_stores_the_file_and_registers_the_release(product, firmware, s3, settings):
    out = run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0",
              "--release-notes", "Faster", "--min-agent-version", "1.2.0")

    release = Release.objects.get(product=product, version="2.0.0")
    assert (release.release_notes, release.min_agent_version) == ("Faster", "1.2.0")
    artifact = release.artifact
    assert artifact.state == ArtifactState.PENDING
    assert artifact.declared_sha256 == hashlib.sha256(firmware.read_bytes()).hexdigest()
    assert artifact.declared_size == firmware.stat().st_size
    body = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key)["Body"].read()
    assert body == firmware.read_bytes()
    assert release.public_id in out


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.django_db
def test_import_release_shows_upload_progress_up_to_the_whole_file_on_a_terminal(product, firmware):
    terminal = Terminal()

    call_command("import_release", str(firmware), "--product", product.key, "--version", "2.0.0",
                 stdout=io.StringIO(), stderr=terminal)

    last_redraw = terminal.getvalue().split("\r")[-1]
    assert last_redraw.startswith("upload: 100%"), terminal.getvalue()
    assert "68.4k/68.4k" in last_redraw


@pytest.mark.django_db(transaction=True)
def test_an_imported_release_is_verified_by_the_worker(product, firmware, celery_worker):
    run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0")

    artifact = wait_for(lambda: Artifact.objects.filter(release__version="2.0.0",
                                                        state=ArtifactState.VERIFIED).first(),
                        message="verification")
    assert artifact.size == firmware.stat().st_size


@pytest.mark.django_db
def test_import_release_into_a_named_module_with_another_file_name(product, firmware):
    product.modules.create(name="display")

    run("import_release", str(firmware), "--product", product.key, "--module", "display",
        "--version", "1.0.0", "--file-name", "display.bin")

    assert Release.objects.get(module__name="display").artifact.file_name == "display.bin"


@pytest.mark.django_db
def test_import_release_with_a_wrong_sha256_stores_and_registers_nothing(product, firmware, s3, settings):
    before = stored_keys(s3, settings)

    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0",
            "--sha256", "0" * 64)

    assert not Release.objects.exists()
    assert stored_keys(s3, settings) == before


@pytest.mark.django_db
def test_import_release_accepts_the_right_sha256(product, firmware):
    run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0",
        "--sha256", hashlib.sha256(firmware.read_bytes()).hexdigest().upper())

    assert Release.objects.filter(version="2.0.0").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("args, message", [
    (["--product", "nope", "--version", "1.0.0"], "Unknown product"),
    (["--product", "thermostat", "--module", "nope", "--version", "1.0.0"], "no module"),
    (["--product", "thermostat", "--version", "bad version"], "version"),
    (["--product", "thermostat", "--version", "1.0.0", "--min-agent-version", "?"], "min_agent_version"),
    (["--product", "thermostat", "--version", "1.0.0", "--file-name", "my file.bin"], "file name"),
])
def test_import_release_refuses_bad_input_and_stores_nothing(product, firmware, s3, settings, args, message):
    before = stored_keys(s3, settings)

    with pytest.raises(CommandError, match=message):
        run("import_release", str(firmware), *args)

    assert not Release.objects.exists()
    assert stored_keys(s3, settings) == before


@pytest.mark.django_db
def test_import_release_refuses_a_version_that_exists(product, firmware):
    ReleaseFactory(product=product, version="2.0.0")

    with pytest.raises(CommandError, match="already exists"):
        run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0")


@pytest.mark.django_db
def test_import_release_refuses_a_missing_file(product, tmp_path):
    with pytest.raises(CommandError, match="not a readable file"):
        run("import_release", str(tmp_path / "missing.bin"), "--product", product.key, "--version", "2.0.0")


@pytest.mark.django_db
def test_import_release_refuses_a_file_larger_than_allowed(product, firmware, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 10

    with pytest.raises(CommandError, match="largest accepted"):
        run("import_release", str(firmware), "--product", product.key, "--version", "2.0.0")


@pytest.mark.django_db(transaction=True)
def test_import_release_exits_1_for_an_unknown_product(firmware):
    result = run_process("import_release", str(firmware), "--product", "nope", "--version", "1.0.0")

    assert result.returncode == 1
    assert "Unknown product 'nope'" in result.stderr


# --- verify_artifacts ---

def lose_object(release, s3, settings):
    s3.delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=release.artifact.storage_key)


@pytest.mark.django_db
def test_verify_artifacts_wait_reports_each_failure_and_fails(verified_release, s3, settings):
    good, lost = verified_release(content=b"good"), verified_release(content=b"lost")
    lose_object(lost, s3, settings)

    with pytest.raises(CommandError, match="1 of 2 artifact"):
        run("verify_artifacts", "--state", "all", "--wait")

    assert Artifact.objects.get(release=good).state == ArtifactState.VERIFIED
    failed = Artifact.objects.get(release=lost)
    assert (failed.state, failed.failure_reason) == (ArtifactState.FAILED, FailureReason.OBJECT_MISSING)


@pytest.mark.django_db
def test_verify_artifacts_wait_succeeds_when_all_verify(verified_release):
    verified_release(content=b"one")
    verified_release(content=b"two")

    out = run("verify_artifacts", "--state", "all", "--wait")

    assert "Verified 2 artifact(s): 2 verified." in out


@pytest.mark.django_db
def test_verify_artifacts_failed_retries_only_the_failed_ones(verified_release, s3, settings):
    verified_release(content=b"fine")
    repaired = verified_release(content=b"repaired")
    Artifact.objects.filter(release=repaired).update(state=ArtifactState.FAILED,
                                                     failure_reason=FailureReason.STORAGE_ERROR)

    out = run("verify_artifacts", "--state", "failed", "--wait")

    assert "Verified 1 artifact(s): 1 verified." in out
    assert Artifact.objects.get(release=repaired).failure_reason == ""


@pytest.mark.django_db
def test_verify_artifacts_says_so_when_there_is_nothing_to_do(verified_release):
    verified_release()

    assert "No failed artifacts to verify." in run("verify_artifacts", "--state", "failed")


@pytest.mark.django_db(transaction=True)
def test_verify_artifacts_queues_them_for_the_worker(verified_release, celery_worker):
    release = verified_release()
    Artifact.objects.filter(release=release).update(state=ArtifactState.FAILED,
                                                     failure_reason=FailureReason.STORAGE_ERROR)

    out = run("verify_artifacts", "--state", "failed")

    assert "Queued 1 artifact(s)" in out
    wait_for(lambda: Artifact.objects.filter(release=release, state=ArtifactState.VERIFIED).exists(),
             message="verification by the worker")


@pytest.mark.django_db(transaction=True)
def test_verify_artifacts_exits_1_when_an_artifact_fails(verified_release, s3, settings):
    lose_object(verified_release(), s3, settings)

    result = run_process("verify_artifacts", "--state", "all", "--wait")

    assert result.returncode == 1
    assert "object missing" in result.stdout
    assert "1 of 1 artifact(s) failed verification" in result.stderr


@pytest.mark.django_db
def test_verify_artifacts_refuses_an_unknown_state():
    with pytest.raises(CommandError, match="invalid choice"):
        run("verify_artifacts", "--state", "verified")


# --- deprecate_release ---

@pytest.mark.django_db
def test_deprecate_release_deprecates_with_the_reason(product):
    release = ReleaseFactory(product=product, version="1.0.0")

    run("deprecate_release", product.key, "1.0.0", "--reason", "Battery drain")

    release.refresh_from_db()
    assert (release.status, release.deprecate_reason) == (ReleaseStatus.DEPRECATED, "Battery drain")


@pytest.mark.django_db
def test_deprecate_release_finds_the_release_in_a_named_module(product):
    display = product.modules.create(name="display")
    ReleaseFactory(product=product, version="1.0.0")
    in_display = ReleaseFactory(product=product, module=display, version="1.0.0")

    run("deprecate_release", product.key, "1.0.0", "--module", "display", "--reason", "Flicker")

    assert Release.objects.get(status=ReleaseStatus.DEPRECATED) == in_display


@pytest.mark.django_db
def test_deprecate_release_refuses_an_unknown_version(product):
    with pytest.raises(CommandError, match="has no version '9.9.9'"):
        run("deprecate_release", product.key, "9.9.9", "--reason", "x")


@pytest.mark.django_db
def test_deprecate_release_refuses_a_blank_reason(product):
    release = ReleaseFactory(product=product, version="1.0.0")

    with pytest.raises(CommandError, match="reason"):
        run("deprecate_release", product.key, "1.0.0", "--reason", "  ")

    release.refresh_from_db()
    assert release.status == ReleaseStatus.ACTIVE


@pytest.mark.django_db
def test_deprecate_release_requires_a_reason(product):
    ReleaseFactory(product=product, version="1.0.0")

    with pytest.raises(CommandError, match="--reason"):
        run("deprecate_release", product.key, "1.0.0")
