import hashlib
from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError
from django.db import transaction
from tqdm.utils import CallbackIOWrapper

from catalog.models import Release
from catalog.services import artifacts
from catalog.services.releases import ReleaseExists, register_release, resolve_module
from otaportal.management.base import PortalCommand

READ_SIZE = 1024 * 1024


class Command(PortalCommand):
    help = (
        "Import a file from disk as a new release: the file is hashed, stored in the artifact storage "
        "(with a progress bar), and queued for verification by the workers."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version names the release, as operators expect; Django's own --version (its version
        # number) gives way.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The artifact file.")
        parser.add_argument("--product", required=True, help="Product key.")
        parser.add_argument("--module", default=None, help="Module name (default: 'default').")
        parser.add_argument("--version", required=True, dest="release_version",
                            help="Version of the release.")
        parser.add_argument("--release-notes", default="")
        parser.add_argument("--min-agent-version", default="",
                            help="Devices whose agent is older are never offered the release.")
        parser.add_argument("--sha256", default="",
                            help="SHA-256 the file must have; refused before anything is stored when "
                                 "it differs.")
        parser.add_argument("--file-name", default=None,
                            help="Name devices save the file under (default: the file's own name).")

    def handle(self, *args, file, product, module, release_version, release_notes, min_agent_version, sha256,
               file_name, **options):
        path = file
        if not path.is_file():
            raise CommandError(f"{path} is not a readable file.")
        file_name = artifacts.clean_file_name(file_name or path.name)
        size = path.stat().st_size
        artifacts.check_size(size)
        module = resolve_module(product, module)
        existing = Release.objects.filter(module=module, version=release_version).first()
        if existing is not None:
            raise ReleaseExists(existing)

        computed = self.sha256_of(path, size)
        if sha256 and sha256.lower() != computed:
            raise CommandError(f"{path} has the SHA-256 {computed}, not the {sha256} given; "
                               "nothing was imported.")

        # One transaction: a release is never left without its file. The object is
        # written first and removed again by artifacts.upload if its row fails.
        with transaction.atomic():
            release = register_release(module, release_version, release_notes=release_notes,
                                       min_agent_version=min_agent_version, declared_sha256=computed,
                                       declared_size=size)
            with path.open("rb") as handle, self.progress_bar(
                total=size, unit="B", unit_scale=True, unit_divisor=1024, desc="upload"
            ) as bar:
                # The bar shows how far into the file the upload has read: a single-part S3
                # upload of a small file reads it more than once, which would count past 100%.
                reader = CallbackIOWrapper(lambda _: bar.update(max(0, handle.tell() - bar.n)), handle,
                                           "read")
                artifact = artifacts.upload(release, File(reader, name=file_name), file_name)

        self.stdout.write(self.style.SUCCESS(
            f"Imported {release} ({release.public_id}): {artifact.file_name}, {size} bytes, "
            f"SHA-256 {computed}. Verification is queued."
        ))

    def sha256_of(self, path: Path, size: int) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as handle, self.progress_bar(
            total=size, unit="B", unit_scale=True, unit_divisor=1024, desc="sha256"
        ) as bar:
            while chunk := handle.read(READ_SIZE):
                digest.update(chunk)
                bar.update(len(chunk))
        return digest.hexdigest()
