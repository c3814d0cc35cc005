"""The TUF repository of the calling device's product (docs/tuf.md), read-only.

``/tuf/{product}/metadata/`` serves the spec's file names (``{version}.root.json``,
``timestamp.json``, ``{version}.snapshot.json``, ``{version}.targets.json``) and
``/tuf/{product}/targets/{path}`` the targets by the consistent-snapshot name a
TUF client asks for (``{module}/{version}/{sha256}.{file name}``), streamed as the
device file API streams them (Range, If-Range). Another product's repository, an
unknown version and a target no longer offered all answer the same 404.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from catalog.models import TufRole
from catalog.services import tuf
from devices.api.device_endpoint import DeviceEndpoint
from devices.api.downloads import artifact_response
from devices.api.ota_files import DOWNLOAD_RESPONSES, ERROR

TAG = "TUF repository"
METADATA_RESPONSES = {
    (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="Signed metadata."),
    401: ERROR, 404: ERROR, 429: ERROR,
}
# Versioned files never change; timestamp.json changes with every publication.
IMMUTABLE = "private, max-age=31536000, immutable"
FRESH = "private, no-cache"


def product_of(device, product_key: str):
    """The device's product id when ``product_key`` names it; else 404, as for any unknown file."""
    if device.product.key != product_key:
        raise NotFound()
    return device.product_id


def metadata_response(content: bytes | None, cache_control: str) -> HttpResponse:
    if content is None:
        raise NotFound()
    return HttpResponse(content, content_type="application/json", headers={"Cache-Control": cache_control})


class TufVersionedMetadata(DeviceEndpoint, APIView):
    """`{version}.{role}.json`: root, snapshot or targets metadata of one version."""

    @extend_schema(tags=[TAG], operation_id="tuf_metadata_versioned", responses=METADATA_RESPONSES,
                   summary="A version of the root, snapshot or targets metadata")
    def get(self, request, product, version, role):
        content = tuf.metadata_file(product_of(request.user, product), role, int(version))
        return metadata_response(content, IMMUTABLE)


class TufTimestamp(DeviceEndpoint, APIView):
    """`timestamp.json`: the newest timestamp, which names the current snapshot."""

    @extend_schema(tags=[TAG], operation_id="tuf_metadata_timestamp", responses=METADATA_RESPONSES,
                   summary="The newest timestamp metadata")
    def get(self, request, product):
        content = tuf.metadata_file(product_of(request.user, product), TufRole.TIMESTAMP, None)
        return metadata_response(content, FRESH)


class TufTarget(DeviceEndpoint, APIView):
    """A target file, by its consistent-snapshot path; resumable like `/api/v2/ota-files/{id}/file`."""

    @extend_schema(tags=[TAG], operation_id="tuf_target", responses=DOWNLOAD_RESPONSES,
                   summary="Download a target file (resumable)")
    def get(self, request, product, path):
        artifact = tuf.target_artifact(product_of(request.user, product), path)
        if artifact is None:
            raise NotFound()
        return artifact_response(request, artifact)
