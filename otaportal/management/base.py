"""The base of the portal's management commands.

Domain errors (invalid values, a duplicate release, storage failures) become
``CommandError``: a clear one-line message on stderr and exit status 1, instead
of a traceback. Long work shows a tqdm progress bar on stderr when it is a
terminal, so that stdout keeps only the results scripts read.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.services.operators import OPERATORS_GROUP, get_or_create_operator
from catalog.services.releases import ReleaseExists
from catalog.storage import StorageError
from otaportal import audit_context


def describe_validation_error(error: ValidationError) -> str:
    """``field: message; other: message``, or the messages alone when they name no field."""
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


class PortalCommand(BaseCommand):
    def execute(self, *args, **options):
        # Whatever the command changes is audited as done by a command, by the person running it.
        command_context = audit_context.AuditContext(surface=audit_context.COMMAND,
                                                     actor_label=audit_context.operating_system_login())
        try:
            with audit_context.opened(command_context):
                return super().execute(*args, **options)
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from error
        except ReleaseExists as error:
            raise CommandError(str(error)) from error
        except StorageError as error:
            raise CommandError(f"Artifact storage failed: {error}") from error

    def progress_bar(self, **options) -> tqdm:
        # The raw stream: Django's OutputWrapper would end each of tqdm's redraws with a newline.
        # disable=None: no bar unless stderr is a terminal (logs and tests get the summary only).
        return tqdm(file=self.stderr._out, disable=None, dynamic_ncols=True, **options)

    def operator(self, username: str):
        """The user named ``username``, created (and said so) in the operators' group when missing."""
        user, created = get_or_create_operator(username)
        if created:
            self.stdout.write(f"Created user {user.username} in the {OPERATORS_GROUP} group.")
        return user
