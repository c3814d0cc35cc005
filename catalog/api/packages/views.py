"""``/v5/iot/{project_id}/ota-upgrades/packages``: upgrade packages as Huawei IoTDA's API and SDKs know them.

The portal is one IoTDA project: ``project_id`` is accepted as given and does
not select anything. ``Instance-Id`` is ignored likewise.
"""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view, inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from catalog.api.authentication import (
    AuthTokenHeaderAuthentication, BearerTokenAuthentication, SignedRequestAuthentication,
)
from catalog.api.permissions import read_write_scopes
from catalog.models import Release, Scope
from catalog.services.releases import ReleaseExists, delete_release
from otaportal.rest import LimitedJSONParser

from .errors import iotda_exception_handler
from .filtersets import PackageFilterSet
from .pagination import MarkerPagination
from .serializers import CreatePackageSerializer, PackageSerializer, PackageSummarySerializer

# Errors named by the service layer, as the request body names them.
BODY_FIELD_NAMES = {
    "bucket_name": "file_location.obs_location.bucket_name",
    "object_key": "file_location.obs_location.object_key",
    "declared_sha256": "file_location.obs_location.sign",
    "allowed_source_versions": "support_source_versions",
}

ERROR = OpenApiResponse(
    response=inline_serializer("IotdaError", {"error_code": serializers.CharField(),
                                              "error_msg": serializers.CharField()}),
    description="IoTDA's error body, e.g. `IOTDA.000006` for invalid input.",
)
PROJECT_ID = OpenApiParameter("project_id", OpenApiTypes.STR, OpenApiParameter.PATH,
                              description="Accepted as given: the portal is a single project.")
INSTANCE_ID = OpenApiParameter("Instance-Id", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                               description="Accepted and ignored.")
PACKAGE_ID = OpenApiParameter("package_id", OpenApiTypes.STR, OpenApiParameter.PATH,
                              description="32 hex digits (the release's UUID).")


def package_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError(error.messages)
    return exceptions.ValidationError(
        {BODY_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


@extend_schema_view(
    list=extend_schema(summary="Query the OTA upgrade package list (ListOtaPackageInfo)",
                       operation_id="ListOtaPackageInfo", parameters=[PROJECT_ID, INSTANCE_ID],
                       responses={200: PackageSummarySerializer(many=True), 400: ERROR, 401: ERROR, 403: ERROR}),
    retrieve=extend_schema(summary="Query an OTA upgrade package (ShowOtaPackage)", operation_id="ShowOtaPackage",
                           parameters=[PROJECT_ID, PACKAGE_ID, INSTANCE_ID],
                           responses={200: PackageSerializer, 401: ERROR, 403: ERROR, 404: ERROR}),
    destroy=extend_schema(summary="Delete an OTA upgrade package (DeleteOtaPackage)",
                          operation_id="DeleteOtaPackage", parameters=[PROJECT_ID, PACKAGE_ID, INSTANCE_ID],
                          description="Deletes the package; the object it names stays in its bucket.",
                          responses={204: None, 401: ERROR, 403: ERROR, 404: ERROR}),
)
@extend_schema(tags=["IoTDA OTA upgrade packages"])
class PackageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                     viewsets.GenericViewSet):
    authentication_classes = [SignedRequestAuthentication, AuthTokenHeaderAuthentication, BearerTokenAuthentication]
    queryset = Release.objects.select_related("product__resource_space", "module", "artifact")
    serializer_class = PackageSerializer
    filterset_class = PackageFilterSet
    pagination_class = MarkerPagination
    parser_classes = [LimitedJSONParser]
    lookup_url_kwarg = "package_id"
    required_scopes = read_write_scopes(Scope.CATALOG_READ, Scope.CATALOG_WRITE)
    lookup_value_regex = "[^/]+"

    def get_exception_handler(self):
        return iotda_exception_handler

    def get_serializer_class(self):
        return PackageSummarySerializer if self.action == "list" else PackageSerializer

    def get_object(self):
        try:
            package_id = uuid.UUID(self.kwargs[self.lookup_url_kwarg])
        except ValueError:
            raise exceptions.NotFound(f"No package {self.kwargs[self.lookup_url_kwarg]!r}.") from None
        release = self.get_queryset().filter(pk=package_id).first()
        if release is None:
            raise exceptions.NotFound(f"No package {package_id.hex}.")
        self.check_object_permissions(self.request, release)
        return release

    @extend_schema(summary="Create an OTA upgrade package (CreateOtaPackage)", operation_id="CreateOtaPackage",
                   parameters=[PROJECT_ID, INSTANCE_ID], request=CreatePackageSerializer,
                   responses={201: PackageSerializer, 400: ERROR, 401: ERROR, 403: ERROR})
    def create(self, request, *args, **kwargs):
        body = CreatePackageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            release = body.save()
        except ReleaseExists as exists:
            raise exceptions.ValidationError({"version": [
                f"{exists} (package_id {exists.release.id.hex})"
            ]}) from None
        except DjangoValidationError as error:
            raise package_validation_error(error) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=release.pk)).data,
                        status=status.HTTP_201_CREATED)

    def perform_destroy(self, release):
        delete_release(release)
