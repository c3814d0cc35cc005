"""Kaa's Over-the-air orchestrator REST API v1, served under ``/otao/api/v1`` (docs/kaa.md).

Thin views: they check the token's scopes and the user's model permissions,
validate the body and call rollouts.services.software.
"""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.authentication import BearerTokenAuthentication
from catalog.api.permissions import ModelPermissions, TokenScopes
from catalog.api.uploads import stream_to_disk
from catalog.models import Artifact, Release, Scope
from catalog.services import artifacts
from catalog.services.releases import ReleaseExists
from catalog.storage import StorageError
from devices.models import Device
from otaportal.rest import LimitedJSONParser
from rollouts.api.openapi import responses_with_errors
from rollouts.services import software
from rollouts.services.transitions import TransitionError

from .errors import KaaError, MessageSerializer, kaa_exception_handler
from .serializers import (
    FileUploadSerializer,
    SoftwareCreateSerializer,
    SoftwareSerializer,
    SoftwareUpdateSerializer,
)

TAG = "Kaa OTAO software"


KAA_ERRORS = {
    400: "Invalid request.",
    401: "No token, or an invalid, expired or revoked one.",
    403: "The token's scopes or the user's permissions do not allow this operation.",
    404: "Application, software version, file or endpoint not found.",
    413: "The file is larger than OTA_MAX_ARTIFACT_SIZE.",
}


def answers(*codes, **documented):
    """The OpenAPI responses of an operation: the given ones plus Kaa's error shape for ``codes``."""
    return responses_with_errors(MessageSerializer, KAA_ERRORS, codes, documented)


class KaaView(APIView):
    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated, ModelPermissions, TokenScopes]
    parser_classes = [LimitedJSONParser]
    # What ModelPermissions checks the user's permissions against.
    queryset = Release.objects.all()
    required_scopes: dict[str, tuple[str, ...]] = {}

    def get_exception_handler(self):
        return kaa_exception_handler

    def handle_exception(self, exc):
        if isinstance(exc, software.NotFound):
            exc = KaaError(str(exc), status.HTTP_404_NOT_FOUND)
        elif isinstance(exc, (software.SoftwareInUse, ReleaseExists)):
            exc = KaaError(str(exc), status.HTTP_400_BAD_REQUEST)
        elif isinstance(exc, TransitionError):  # e.g. a product whose rollout steps need four-eyes approval
            exc = KaaError(str(exc), status.HTTP_409_CONFLICT)
        elif isinstance(exc, StorageError):
            exc = KaaError("The file storage is not available; try again later.",
                           status.HTTP_503_SERVICE_UNAVAILABLE)
        return super().handle_exception(exc)


def software_location(request, app_name, version):
    return request.build_absolute_uri(reverse("kaa-software", args=[app_name, version]))


class SoftwareListView(KaaView):
    required_scopes = {"GET": (Scope.SOFTWARE_READ,), "OPTIONS": (Scope.SOFTWARE_READ,)}

    @extend_schema(tags=[TAG], operation_id="kaa_software_list", summary="Returns software by application name.",
                   responses=answers(400, 401, 403, 404, _200=SoftwareSerializer(many=True)))
    def get(self, request, appName):
        product = software.product_for(appName)
        return Response(SoftwareSerializer(software.software_of(product), many=True).data)


class SoftwareView(KaaView):
    required_scopes = {
        "GET": (Scope.SOFTWARE_READ,), "OPTIONS": (Scope.SOFTWARE_READ,), "POST": (Scope.SOFTWARE_UPDATE,),
        "PUT": (Scope.SOFTWARE_UPDATE,), "DELETE": (Scope.SOFTWARE_DELETE,),
    }

    @extend_schema(tags=[TAG], operation_id="kaa_software_read", summary="Returns software by version.",
                   responses=answers(400, 401, 403, 404, _200=SoftwareSerializer))
    def get(self, request, appName, softwareVersion):
        return Response(SoftwareSerializer(software.get_software(appName, softwareVersion)).data)

    @extend_schema(
        tags=[TAG], operation_id="kaa_software_create", summary="Creates software.",
        request=SoftwareCreateSerializer,
        responses=answers(400, 401, 403, 404, _201=OpenApiResponse(
            description="Created; the Location header holds the new software's URL.")),
    )
    def post(self, request, appName, softwareVersion):
        product = software.product_for(appName)
        body = SoftwareCreateSerializer(data=request.data,
                                        context={"current": {"appName": appName, "version": softwareVersion}})
        body.is_valid(raise_exception=True)
        software.create_software(product, softwareVersion, policy=body.policy(), actor=request.user,
                                 **body.release_fields())
        return Response(status=status.HTTP_201_CREATED,
                        headers={"Location": software_location(request, appName, softwareVersion)})

    @extend_schema(tags=[TAG], operation_id="kaa_software_update", summary="Updates software.",
                   request=SoftwareUpdateSerializer,
                   responses=answers(400, 401, 403, 404, _204=OpenApiResponse(description="Updated.")))
    def put(self, request, appName, softwareVersion):
        release = software.get_software(appName, softwareVersion)
        body = SoftwareUpdateSerializer(data=request.data, context={"current": SoftwareSerializer(release).data})
        body.is_valid(raise_exception=True)
        software.update_software(release, policy=body.policy(), actor=request.user, **body.release_fields())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        tags=[TAG], operation_id="kaa_software_delete",
        summary="Deletes software if it is not used by any endpoint.",
        responses=answers(400, 401, 403, 404, _204=OpenApiResponse(description="Deleted.")),
    )
    def delete(self, request, appName, softwareVersion):
        software.delete_software(software.get_software(appName, softwareVersion))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SoftwareFilesView(KaaView):
    parser_classes = [MultiPartParser, FormParser]
    queryset = Artifact.objects.all()
    required_scopes = {"PUT": (Scope.SOFTWARE_UPDATE,), "OPTIONS": (Scope.SOFTWARE_READ,)}

    @extend_schema(
        tags=[TAG], operation_id="kaa_software_file_upload",
        summary="Uploads the software file; its verification starts at once.",
        request={"multipart/form-data": FileUploadSerializer},
        responses=answers(400, 401, 403, 404, 413, _204=OpenApiResponse(description="Uploaded.")),
    )
    def put(self, request, appName, softwareVersion):
        release = software.get_software(appName, softwareVersion)
        stream_to_disk(request._request)
        body = FileUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        artifacts.upload(release, upload, upload.name)
        return Response(status=status.HTTP_204_NO_CONTENT)


def file_of(app_name, version, file_name) -> Artifact:
    artifact = software.find_file(software.get_software(app_name, version), file_name)
    if artifact is None:
        raise KaaError(f"Software version {version!r} has no file {file_name!r}.", status.HTTP_404_NOT_FOUND)
    return artifact


class SoftwareFileView(KaaView):
    queryset = Artifact.objects.all()
    required_scopes = {"DELETE": (Scope.SOFTWARE_DELETE,), "OPTIONS": (Scope.SOFTWARE_READ,)}

    @extend_schema(tags=[TAG], operation_id="kaa_software_file_delete", summary="Deletes the software file.",
                   responses=answers(401, 403, 404, _204=OpenApiResponse(description="Deleted.")))
    def delete(self, request, appName, softwareVersion, fileName):
        artifacts.remove(file_of(appName, softwareVersion, fileName))
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointSoftwareView(KaaView):
    queryset = Device.objects.all()
    required_scopes = {"GET": (Scope.ENDPOINT_READ,), "OPTIONS": (Scope.ENDPOINT_READ,)}

    @extend_schema(tags=[TAG], operation_id="kaa_endpoint_software_current",
                   summary="Returns the software the endpoint runs (its default module's version).",
                   responses=answers(401, 403, 404, _200=SoftwareSerializer))
    def get(self, request, endpointId):
        return Response(SoftwareSerializer(software.current_software(endpointId)).data)

