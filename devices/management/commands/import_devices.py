import csv
import os
from pathlib import Path

from django.core.management.base import CommandError

from devices.services import imports
from otaportal.management.base import PortalCommand

MAX_ERRORS_SHOWN = 1000


class Command(PortalCommand):
    help = (
        "Register the devices of a CSV file and write their tokens to --output. All or nothing: every row is "
        "checked first and each bad row is reported by line; if any is bad, nothing is imported. Columns: "
        "uid (required), product, name, agent_version, tags (separated by ;), module:NAME, attr:KEY."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV file with a header row.")
        parser.add_argument("--output", type=Path, required=True,
                            help="New file for the tokens (uid,token), readable by its owner only. "
                                 "Never overwritten: the tokens are shown only once.")
        parser.add_argument("--product", default=None, help="Product key for rows without a product column.")
        parser.add_argument("--batch-size", type=int, default=imports.DEFAULT_BATCH_SIZE,
                            help="Rows checked and inserted per query.")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, import nothing.")

    def handle(self, *args, file, output, product, batch_size, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a readable file.")
        if output.exists() and not dry_run:
            raise CommandError(f"{output} exists; tokens are never written over. Name a new file.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = self.count_rows(file)

        with self.open_csv(file) as handle, self.progress_bar(total=total, unit="row", desc="check") as bar:
            errors = imports.validate_rows(imports.read_rows(handle), default_product=product,
                                           batch_size=batch_size, progress=bar.update)
        if errors:
            self.report(errors)
        if dry_run:
            self.stdout.write(f"{total} row(s) checked, all valid; nothing imported (dry run).")
            return

        count = self.import_to(file, output, product, batch_size, total)
        self.stdout.write(f"Registered {count} device(s); their tokens are in {output}.")

    def import_to(self, file, output, product, batch_size, total) -> int:
        """Tokens go to a hidden file made durable before the commit, then renamed to ``output``."""
        partial = output.with_name(f".{output.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with (
                os.fdopen(descriptor, "w", newline="", encoding="utf-8") as sink,
                self.open_csv(file) as handle,
                self.progress_bar(total=total, unit="device", desc="import") as bar,
            ):
                writer = csv.writer(sink)
                writer.writerow(["uid", "token"])

                def make_durable():
                    sink.flush()
                    os.fsync(sink.fileno())

                count = imports.import_rows(
                    imports.read_rows(handle), lambda device, token: writer.writerow([device.uid, token]),
                    default_product=product, batch_size=batch_size, progress=bar.update,
                    before_commit=make_durable,
                )
        except imports.ImportRefused as refused:
            partial.unlink(missing_ok=True)
            self.report(refused.errors)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, output)
        return count

    def report(self, errors):
        for error in errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"… and {len(errors) - MAX_ERRORS_SHOWN} more.")
        raise CommandError(f"{len(errors)} problem(s) found; nothing was imported.")

    @staticmethod
    def open_csv(path):
        # utf-8-sig: spreadsheets often start their CSV files with a byte-order mark.
        return open(path, newline="", encoding="utf-8-sig")

    def count_rows(self, path) -> int:
        with self.open_csv(path) as handle:
            try:
                return sum(1 for _ in imports.read_rows(handle))
            except imports.ImportRefused as refused:
                self.report(refused.errors)
            except (UnicodeDecodeError, csv.Error) as error:
                raise CommandError(f"{path} is not a readable UTF-8 CSV file: {error}") from None
