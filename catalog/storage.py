"""Streaming access to artifact objects, in S3 or on local disk.

django-storages saves files well (multipart uploads, no overwrite), but its
``S3File`` spools a whole object before the first read. Verification and
downloads must run in constant memory, so reads go through boto3's streaming
body (S3) or a plain file handle (local storage), in ranges when asked.
"""

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.http import content_disposition_header
from storages.backends.s3 import S3Storage

_MISSING_CODES = {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}


class StorageError(Exception):
    """An object could not be read or written."""


class ObjectMissing(StorageError):
    """The object does not exist."""


class TransientStorageError(StorageError):
    """The storage did not answer properly; trying again later may succeed."""


def _translate(error: Exception) -> StorageError:
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _MISSING_CODES:
            return ObjectMissing(code)
        if status >= 500 or code in {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"}:
            return TransientStorageError(f"{code} ({status})")
        return StorageError(f"{code} ({status})")
    return TransientStorageError(f"{type(error).__name__}: {error}")


class ArtifactStore:
    """One bucket of artifact storage: the configured one, or another bucket on the same endpoint."""

    def __init__(self, bucket: str = ""):
        self.bucket = bucket

    @cached_property
    def storage(self):
        configured = storages["artifacts"]
        if not self.bucket:
            return configured
        if isinstance(configured, S3Storage):
            options = dict(settings.STORAGES["artifacts"]["OPTIONS"], bucket_name=self.bucket)
            return S3Storage(**options)
        return FileSystemStorage(location=str(Path(settings.MEDIA_ROOT) / self.bucket))

    @property
    def is_s3(self) -> bool:
        return isinstance(self.storage, S3Storage)

    @property
    def _client(self):
        return self.storage.connection.meta.client

    def save(self, key: str, content) -> str:
        """Store ``content`` (a file object) under ``key``; returns the key actually used."""
        try:
            return self.storage.save(key, content)
        except (BotoCoreError, ClientError, OSError) as error:
            raise _translate(error) from error

    def delete(self, key: str) -> None:
        try:
            self.storage.delete(key)
        except (BotoCoreError, ClientError, OSError) as error:
            raise _translate(error) from error

    def size(self, key: str) -> int:
        if self.is_s3:
            try:
                return self._client.head_object(Bucket=self.storage.bucket_name, Key=key)["ContentLength"]
            except (BotoCoreError, ClientError) as error:
                raise _translate(error) from error
        try:
            return Path(self.storage.path(key)).stat().st_size
        except FileNotFoundError as error:
            raise ObjectMissing(key) from error
        except OSError as error:
            raise _translate(error) from error

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectMissing:
            return False
        return True

    def iter_bytes(self, key: str, start: int = 0, end: int | None = None, chunk_size: int | None = None
                   ) -> Iterator[bytes]:
        """Yield the object's bytes from ``start`` to ``end`` inclusive (the whole object by default)."""
        chunk_size = chunk_size or settings.OTA_STREAM_CHUNK_SIZE
        if self.is_s3:
            return self._iter_s3(key, start, end, chunk_size)
        return self._iter_file(key, start, end, chunk_size)

    def _iter_s3(self, key, start, end, chunk_size):
        request = {"Bucket": self.storage.bucket_name, "Key": key}
        if start or end is not None:
            request["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self._client.get_object(**request)["Body"]
            try:
                yield from body.iter_chunks(chunk_size)
            finally:
                body.close()
        except (BotoCoreError, ClientError) as error:
            raise _translate(error) from error

    def _iter_file(self, key, start, end, chunk_size):
        try:
            handle = open(self.storage.path(key), "rb")
        except FileNotFoundError as error:
            raise ObjectMissing(key) from error
        except OSError as error:
            raise _translate(error) from error
        with handle:
            handle.seek(start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                chunk = handle.read(chunk_size if remaining is None else min(chunk_size, remaining))
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk

    def presigned_url(self, key: str, expires_in: int, file_name: str) -> str:
        """A direct S3 link to the object, valid ``expires_in`` seconds (S3 storage only)."""
        if not self.is_s3:
            raise StorageError("Presigned links need S3 storage.")
        return self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.storage.bucket_name,
                "Key": key,
                "ResponseContentDisposition": content_disposition_header(as_attachment=True, filename=file_name),
                "ResponseContentType": "application/octet-stream",
            },
            ExpiresIn=expires_in,
        )
