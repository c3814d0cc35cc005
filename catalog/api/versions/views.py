"""``/api/v1/ota/versions``: the version catalog (RegisterVersion and its companions)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.errors import StorageUnavailable
from catalog.api.permissions import ChangeModelPermissions, TokenScopes, read_write_scopes
from catalog.api.uploads import ArtifactTooLarge, RawFileParser, stream_to_disk
from catalog.models import Release, Scope
from catalog.services import artifacts, releases
from catalog.storage import StorageError
from otaportal.rest import LimitedJSONParser

from .filtersets import VersionFilterSet
from .serializers import (
    API_FIELD_NAMES, DeprecateSerializer, RegisterVersionSerializer, UploadSerializer, VersionSerializer,
)

PUBLIC_ID_PREFIX = "ver-"

ERROR = OpenApiResponse(OpenApiTypes.OBJECT, description="JSON naming each invalid field: `{\"field\": [\"message\"]}`.")
NOT_FOUND = OpenApiResponse(
    inline_serializer("NotFound", {"detail": serializers.CharField()}), description="No such version.",
)
CONFLICT = OpenApiResponse(
    response=inline_serializer("VersionConflict", {"detail": serializers.CharField(), "id": serializers.CharField()}),
    description="The version already exists for the product's module; `id` is the existing one.",
)


def release_id_of(public_id: str) -> uuid.UUID | None:
    if not public_id.startswith(PUBLIC_ID_PREFIX):
        return None
    try:
        return uuid.UUID(public_id.removeprefix(PUBLIC_ID_PREFIX))
    except ValueError:
        return None


def api_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A model ValidationError with its field names as this API calls them."""
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": error.messages})
    return exceptions.ValidationError(
        {API_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


@extend_schema_view(
    list=extend_schema(summary="List versions", operation_id="ListVersions",
                       responses={200: VersionSerializer(many=True)}),
    retrieve=extend_schema(summary="Show a version", operation_id="GetVersion",
                           responses={200: VersionSerializer, 404: NOT_FOUND}),
)
@extend_schema(tags=["Version catalog"])
class VersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Release.objects.select_related("product", "module", "artifact", "artifact_candidate").order_by(
        "-created_at", "-id"
    )
    serializer_class = VersionSerializer
    filterset_class = VersionFilterSet
    lookup_value_regex = "[^/]+"
    lookup_url_kwarg = "version_id"
    parser_classes = [LimitedJSONParser]
    required_scopes = read_write_scopes(Scope.CATALOG_READ, Scope.CATALOG_WRITE)

    def get_object(self):
        release_id = release_id_of(self.kwargs[self.lookup_url_kwarg])
        release = self.get_queryset().filter(pk=release_id).first() if release_id else None
        if release is None:
            raise exceptions.NotFound(f"No version {self.kwargs[self.lookup_url_kwarg]!r}.")
        self.check_object_permissions(self.request, release)
        return release

    def represent(self, release):
        return Response(self.get_serializer(release).data)

    @extend_schema(
        summary="Register a version (RegisterVersion)", operation_id="RegisterVersion",
        request=RegisterVersionSerializer, responses={200: VersionSerializer, 400: ERROR, 409: CONFLICT},
    )
    def create(self, request):
        registration = RegisterVersionSerializer(data=request.data)
        registration.is_valid(raise_exception=True)
        try:
            release = registration.save()
        except releases.ReleaseExists as exists:
            return Response({"detail": str(exists), "id": exists.release.public_id}, status=status.HTTP_409_CONFLICT)
        except DjangoValidationError as error:
            raise api_validation_error(error) from None
        return Response(VersionSerializer(release).data, status=status.HTTP_200_OK)

    @extend_schema(summary="Deprecate a version", operation_id="DeprecateVersion", request=DeprecateSerializer,
                   responses={200: VersionSerializer, 400: ERROR, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], permission_classes=[ChangeModelPermissions, TokenScopes])
    def deprecate(self, request, version_id=None):
        release = self.get_object()
        body = DeprecateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        releases.deprecate_release(release, body.validated_data["reason"])
        return self.represent(release)

    @extend_schema(
        summary="Upload the version's file", operation_id="UploadVersionFile",
        description="The body is the file (`Content-Type: application/octet-stream`), or a multipart form "
                    "with a `file` field. The file is then verified against `sha256Checksum` and `fileSize` "
                    "in the background: watch `artifactState`. Over a verified file the upload is a replacement, "
                    "served once verified: watch `replacementState`. A body shorter than its Content-Length "
                    "is refused (400) and stores nothing.",
        parameters=[OpenApiParameter("filename", str, description="Name devices save the file under; "
                                     "default: Content-Disposition's, else derived from the version.")],
        request={"application/octet-stream": {"type": "string", "format": "binary"},
                 "multipart/form-data": UploadSerializer},
        responses={200: VersionSerializer, 400: ERROR, 404: NOT_FOUND, 413: ERROR},
    )
    @action(detail=True, methods=["put"], url_path="file", parser_classes=[RawFileParser, parsers.MultiPartParser])
    def upload_file(self, request, version_id=None):
        self.release = self.get_object()
        stream_to_disk(request._request)
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": ["Send the file as the body or as a multipart `file` field."]})
        try:
            file_name = request.query_params.get("filename") or upload.name
            artifacts.upload(self.release, upload, file_name)
        except DjangoValidationError as error:
            if error.code == "too_large":
                raise ArtifactTooLarge(settings.OTA_MAX_ARTIFACT_SIZE) from None
            raise exceptions.ValidationError({"filename": error.messages}) from None
        except StorageError as error:
            raise StorageUnavailable(f"Artifact storage failed: {error}") from None
        finally:
            upload.close()
        return self.represent(self.get_object())

    def default_file_name(self):
        return artifacts.default_file_name(self.release)
