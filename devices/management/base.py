"""The base of the devices app's commands: domain errors become one clear line and exit status 1."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


def describe_validation_error(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    return " ".join(error.messages)


class DeviceCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from error

    def progress_bar(self, **options) -> tqdm:
        # The raw stream: Django's OutputWrapper would end each redraw with a newline.
        # disable=None: a bar only when stderr is a terminal; logs keep the summary.
        return tqdm(file=self.stderr._out, disable=None, dynamic_ncols=True, **options)
