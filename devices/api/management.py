"""The device management API (bearer token): register, list, read, update, deactivate, rotate tokens.

Field names are camelCase like the other management APIs; the token appears
only in the answers to create and rotate-token, and is never stored in clear.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.permissions import ModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Scope
from devices import services
from devices.api.fields import AttributesField, InstalledVersionsField, TagsField
from devices.filtersets import DeviceFilterSet
from devices.models import Device
from otaportal.pagination import CursorPagination

TAG = "Devices"
# Model field → API field, to name the API's fields in validation errors.
API_FIELD_NAMES = {
    "agent_version": "agentVersion",
    "installed_versions": "installedVersions",
    "is_active": "isActive",
}


class DeviceSerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="key", read_only=True)
    agentVersion = serializers.CharField(source="agent_version", read_only=True)
    installedVersions = serializers.JSONField(source="installed_versions", read_only=True)
    # Null until the device's first request is written by beat (otaportal.last_use).
    lastSeenAt = serializers.DateTimeField(source="last_seen_at", read_only=True, allow_null=True)
    lastSeenAddress = serializers.IPAddressField(source="last_seen_address", read_only=True, allow_null=True)
    isActive = serializers.BooleanField(source="is_active", read_only=True)
    tokenRotatedAt = serializers.DateTimeField(source="token_rotated_at", read_only=True, allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = Device
        fields = ["uid", "product", "name", "attributes", "tags", "agentVersion", "installedVersions",
                  "lastSeenAt", "lastSeenAddress", "isActive", "tokenRotatedAt", "createdAt", "updatedAt"]
        read_only_fields = fields


class DeviceWithTokenSerializer(DeviceSerializer):
    token = serializers.SerializerMethodField(help_text="The device token. Shown this once; store it now.")

    class Meta(DeviceSerializer.Meta):
        fields = [*DeviceSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, device) -> str:
        return self.context["token"]


class DeviceCreateSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=128)
    product = serializers.CharField(help_text="Product key.")
    name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    attributes = AttributesField(required=False, default=dict)
    tags = TagsField(child=serializers.CharField(), required=False, default=list)
    agentVersion = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    installedVersions = InstalledVersionsField(
        child=serializers.CharField(), required=False, default=dict, help_text='e.g. {"default": "1.0.0"}'
    )


class DeviceUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128, required=False, allow_blank=True)
    attributes = AttributesField(required=False, help_text="Replaces all attributes.")
    tags = TagsField(child=serializers.CharField(), required=False, help_text="Replaces all tags.")


class DeactivateSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class DevicePagination(CursorPagination):
    """Cursor pages: no COUNT(*) over a million rows, and stable while devices register."""

    ordering = "uid"
    page_size = 50
    page_size_query_param = "limit"


class ChangeDevicePermissions(ModelPermissions):
    """Deactivating and rotating a token change a device: ``devices.change_device``, not ``add``."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def api_validation_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """The service's ValidationError with fields named as the API names them."""
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": error.messages})
    return exceptions.ValidationError(
        {API_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


TOKEN_RESPONSE = {200: DeviceWithTokenSerializer}
ERROR = inline_serializer("DeviceApiError", {"detail": serializers.CharField()})
COMMON_ERRORS = {401: ERROR, 403: ERROR}
UID_TAKEN = OpenApiResponse(inline_serializer("DeviceUidTaken", {"uid": serializers.ListField(
    child=serializers.CharField())}), description="The uid is registered already: `{\"uid\": [\"...\"]}`.")
INVALID_FIELDS = OpenApiResponse(description="Invalid fields, each named")


@extend_schema_view(
    list=extend_schema(tags=[TAG], summary="List devices (cursor-paginated, filterable)",
                       responses={200: DeviceSerializer(many=True), **COMMON_ERRORS}),
    retrieve=extend_schema(tags=[TAG], summary="Read a device",
                           responses={200: DeviceSerializer, 404: ERROR, **COMMON_ERRORS}),
    create=extend_schema(tags=[TAG], summary="Register a device; the answer holds its token, shown once",
                         request=DeviceCreateSerializer,
                         responses={201: DeviceWithTokenSerializer, 400: INVALID_FIELDS,
                                    409: UID_TAKEN, **COMMON_ERRORS}),
    partial_update=extend_schema(tags=[TAG], summary="Change a device's name, attributes or tags",
                                 request=DeviceUpdateSerializer,
                                 responses={200: DeviceSerializer, 400: INVALID_FIELDS,
                                            404: ERROR, **COMMON_ERRORS}),
    deactivate=extend_schema(tags=[TAG], summary="Deactivate a device: its token stops working at once",
                             request=DeactivateSerializer,
                             responses={200: DeviceSerializer, 404: ERROR, **COMMON_ERRORS}),
    activate=extend_schema(tags=[TAG], summary="Activate a device again", request=None,
                           responses={200: DeviceSerializer, 404: ERROR, **COMMON_ERRORS}),
    rotate_token=extend_schema(tags=[TAG], summary="Give a device a new token; the old one stops working",
                               request=None, responses={**TOKEN_RESPONSE, 404: ERROR, **COMMON_ERRORS}),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Device.objects.select_related("product")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet
    pagination_class = DevicePagination
    permission_classes = [ModelPermissions, TokenScopes]
    required_scopes = read_write_scopes(Scope.DEVICES_READ, Scope.DEVICES_WRITE)
    lookup_field = "uid"
    lookup_value_regex = r"[A-Za-z0-9\-_.:]{1,128}"

    def get_permissions(self):
        if self.action in {"deactivate", "activate", "rotate_token"}:
            return [ChangeDevicePermissions(), TokenScopes()]
        return super().get_permissions()

    def create(self, request):
        payload = DeviceCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            issued = services.register_device(
                data["product"], data["uid"], name=data["name"], attributes=data["attributes"],
                tags=data["tags"], agent_version=data["agentVersion"],
                installed_versions=data["installedVersions"], actor=request.user,
            )
        except DjangoValidationError as error:
            raise api_validation_error(error) from None
        except services.DeviceExists as error:
            raise Conflict({"uid": [str(error)]}) from None
        body = DeviceWithTokenSerializer(issued.device, context={"token": issued.token}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uid=None):
        device = self.get_object()
        payload = DeviceUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.update_device(device, actor=request.user, **payload.validated_data)
        except DjangoValidationError as error:
            raise api_validation_error(error) from None
        return Response(DeviceSerializer(device).data)

    @action(detail=True, methods=["post"])
    def deactivate(self, request, uid=None):
        device = self.get_object()
        payload = DeactivateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.deactivate_device(device, actor=request.user, reason=payload.validated_data["reason"])
        return Response(DeviceSerializer(device).data)

    @action(detail=True, methods=["post"])
    def activate(self, request, uid=None):
        device = services.activate_device(self.get_object(), actor=request.user)
        return Response(DeviceSerializer(device).data)

    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, uid=None):
        device = self.get_object()
        plaintext = services.rotate_token(device, actor=request.user)
        return Response(DeviceWithTokenSerializer(device, context={"token": plaintext}).data)
