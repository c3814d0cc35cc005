"""Receiving artifact bytes over HTTP: streamed to a temporary file, never past OTA_MAX_ARTIFACT_SIZE.

Django's upload handlers do the streaming for multipart bodies and, through
DRF's FileUploadParser, for raw ``application/octet-stream`` bodies. The chain
starts with otaportal.uploads' check that the body is as long as its
Content-Length, then a size cap handler: it refuses a declared Content-Length
over the limit before reading anything, and stops the stream as soon as more
bytes than the limit have arrived, closing (and so deleting) the partial
temporary file.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from rest_framework import exceptions, parsers

from otaportal.uploads import CompleteBodyUploadHandler, discard_files


class ArtifactTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"

    def __init__(self, limit: int):
        super().__init__({"file": [f"The file is larger than the {limit} bytes accepted (OTA_MAX_ARTIFACT_SIZE)."]})


class SizeCapUploadHandler(FileUploadHandler):
    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # A raw body is the file itself; a multipart body is a little larger than its file.
        if boundary is None and content_length and content_length > self.limit:
            raise ArtifactTooLarge(self.limit)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            discard_files(self.request.upload_handlers)
            raise ArtifactTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None


def stream_to_disk(django_request) -> None:
    """Make this request's uploads go to a temporary file under the size cap (call before parsing)."""
    django_request.upload_handlers = [
        CompleteBodyUploadHandler(django_request),
        SizeCapUploadHandler(django_request, settings.OTA_MAX_ARTIFACT_SIZE),
        TemporaryFileUploadHandler(django_request),
    ]


class RawFileParser(parsers.FileUploadParser):
    """The body is the file. Its name: ``?filename=``, else Content-Disposition, else the view's default."""

    media_type = "application/octet-stream"

    def get_filename(self, stream, media_type, parser_context):
        request = parser_context["request"]
        return (
            request.query_params.get("filename")
            or super().get_filename(stream, media_type, parser_context)
            or parser_context["view"].default_file_name()
        )
