"""The device file API: ``/api/v2/ota-files`` and the legacy v1 firmware paths (seed 003).

A device sees only its own product's files. Downloads answer 404 alike for an
unknown id, another product's file and an inactive file, so a device learns
nothing about files it may not have.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.views import APIView

from catalog.models import Artifact
from devices.api.device_endpoint import DeviceEndpoint
from devices.api.downloads import CHECKSUM_HEADER, artifact_response
from devices.filtersets import OtaFileFilterSet
from devices.services import files

TAG = "Device files"
ERROR = inline_serializer("DeviceFileError", {"detail": serializers.CharField()})


class OtaFileSerializer(serializers.Serializer):
    """One OTA file as the v2 API shows it."""

    field_order = ["id", "version", "module", "isActive", "fileName", "fileSize", "sha256Checksum",
                   "releaseNotes", "createdAt"]

    id = serializers.CharField(source="pk", help_text="The file's id, used in the download path.")
    version = serializers.CharField(source="release.version")
    module = serializers.CharField(source="release.module.name")
    isActive = serializers.SerializerMethodField(help_text="Release active and file verified: downloadable.")
    fileName = serializers.CharField(source="file_name")
    fileSize = serializers.SerializerMethodField(help_text="Bytes.")
    sha256Checksum = serializers.SerializerMethodField()
    releaseNotes = serializers.CharField(source="release.release_notes")
    createdAt = serializers.DateTimeField(source="created_at")

    def get_fields(self):
        fields = super().get_fields()
        return {name: fields[name] for name in self.field_order}

    def get_isActive(self, artifact) -> bool:
        return files.is_active(artifact)

    def get_fileSize(self, artifact) -> int | None:
        return artifact.size if artifact.size is not None else artifact.declared_size

    def get_sha256Checksum(self, artifact) -> str:
        return artifact.sha256 or artifact.declared_sha256


class LegacyFirmwareSerializer(OtaFileSerializer):
    """The v1 shape: ``firmware_id`` and ``version_number`` instead of ``id`` and ``version``."""

    field_order = ["firmware_id", "version_number", *OtaFileSerializer.field_order[2:]]

    id = None
    version = None
    firmware_id = serializers.CharField(source="pk")
    version_number = serializers.CharField(source="release.version")


LIST_RESPONSES = {401: ERROR, 400: OpenApiResponse(description="A bad filter value, named."), 429: ERROR}
DOWNLOAD_PARAMETERS = [
    OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The file's `id`."),
    OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="One byte range: `bytes=N-M`, `bytes=N-` or `bytes=-N`."),
    OpenApiParameter("If-Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                     description="ETag or date; when it no longer matches, the whole file is sent."),
]
DOWNLOAD_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY,
        description=f"The whole file, with `ETag`, `{CHECKSUM_HEADER}`, `Content-Disposition`, "
                    "`Accept-Ranges`.",
    ),
    (206, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The requested range, with `Content-Range`."
    ),
    302: OpenApiResponse(
        description="With OTA_DOWNLOAD_REDIRECT: to a presigned URL valid OTA_DOWNLOAD_URL_TTL seconds."
    ),
    401: ERROR,
    404: ERROR,
    416: OpenApiResponse(description="The range starts past the end; `Content-Range: bytes */size`."),
    429: ERROR,
}


class OtaFileList(DeviceEndpoint, generics.ListAPIView):
    """The OTA files of the calling device's product (header `x-access-token`), newest version first
    within each module. Filter with `module` and `isActive` (`1`/`0`/`true`/`false`)."""

    serializer_class = OtaFileSerializer
    filterset_class = OtaFileFilterSet
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no device
            return Artifact.objects.none()
        return files.files_for(self.request.user)

    @extend_schema(tags=[TAG], operation_id="ota_files_list", responses={200: OtaFileSerializer(many=True),
                                                                         **LIST_RESPONSES},
                   summary="The OTA files of the device's product")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class OtaFileDownload(DeviceEndpoint, APIView):
    """The bytes of an active file of the device's product. Resumable: one `Range` per request
    (206 with `Content-Range`), `If-Range` honoured, 416 past the end. Unknown, inactive and other
    products' files all answer the same 404."""

    @extend_schema(tags=[TAG], operation_id="ota_files_download", parameters=DOWNLOAD_PARAMETERS,
                   responses=DOWNLOAD_RESPONSES, summary="Download an active OTA file (resumable)")
    def get(self, request, pk):
        artifact = files.servable_file(request.user, pk)
        if artifact is None:
            raise NotFound()
        return artifact_response(request, artifact)


class LegacyFirmwareList(OtaFileList):
    """v1 path of the file list, with `firmware_id` and `version_number` for `id` and `version`."""

    serializer_class = LegacyFirmwareSerializer

    @extend_schema(tags=[TAG], operation_id="legacy_firmware_list", deprecated=True,
                   responses={200: LegacyFirmwareSerializer(many=True), **LIST_RESPONSES},
                   summary="v1: the firmware list (use /api/v2/ota-files)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LegacyFirmwareDownload(OtaFileDownload):
    """v1 path of the download; same behaviour as `/api/v2/ota-files/{id}/file`."""

    @extend_schema(tags=[TAG], operation_id="legacy_firmware_download", deprecated=True,
                   parameters=DOWNLOAD_PARAMETERS, responses=DOWNLOAD_RESPONSES,
                   summary="v1: download a firmware file (use /api/v2/ota-files/{id}/file)")
    def get(self, request, pk):
        return super().get(request, pk)
