"""Uploads whose body ended before its Content-Length are refused, before anything is stored.

A client that drops its connection mid-body leaves the WSGI input at end of file,
and Django and DRF parse the bytes that did arrive as if they were the whole body:
a raw body comes out as a shorter file; a multipart file cut inside its part is
dropped, but one cut after its part ended is kept, and the fields that follow come
out truncated. Only counting the bytes read tells, so this handler goes first in
every chain of upload handlers (FILE_UPLOAD_HANDLERS for Django's forms, and
catalog.api.uploads for the API surfaces).
"""

from django.core.exceptions import BadRequest
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser
from rest_framework.exceptions import ParseError


class IncompleteBody(ParseError, BadRequest):
    """The body is shorter than its Content-Length.

    A ParseError for the API views (each surface renders it in its own error shape)
    and a BadRequest for Django's own form parsing (the admin), which Django answers 400.
    """

    def __init__(self, received: int, declared: int):
        super().__init__(f"The body ended after {received} of its {declared} bytes (Content-Length); "
                         "nothing was stored.")


class CountingReader:
    """A file-like reader that counts the bytes it hands out."""

    def __init__(self, stream):
        self.stream = stream
        self.bytes_read = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data


def discard_files(upload_handlers) -> None:
    """Close (and so delete) the temporary files the handlers were writing."""
    for handler in upload_handlers:
        partial = getattr(handler, "file", None)
        if partial is not None:
            partial.close()


class CompleteBodyUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.content_length = content_length
        if boundary is None:
            return None  # a raw body is the file: file_complete compares its size
        reader = CountingReader(input_data)
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        fields, files = MultiPartParser(META, reader, others, encoding).parse()
        if reader.bytes_read < content_length:
            for _, uploads in files.lists():
                for upload in uploads:
                    upload.close()
            raise IncompleteBody(reader.bytes_read, content_length)
        return fields, files

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        if self.content_length and file_size < self.content_length:
            discard_files(self.request.upload_handlers)
            raise IncompleteBody(file_size, self.content_length)
        return None
