"""``/api/v1/devices/{uid}/auto-confirm``: a device's auto-confirm, as hawkBit's target autoConfirm resource
(docs/rollouts.md, "User consent"). Turning it on confirms the device's updates awaiting its confirmation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.permissions import ModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Scope
from devices.models import Device
from otaportal.api_errors import CONFLICT, FIELD_ERRORS, NOT_FOUND, Conflict
from rollouts.services import consent

TAGS = ["devices"]


class ActiveField(serializers.BooleanField):
    """On while the device has an activation time."""

    def get_attribute(self, device):
        return device.auto_confirm_since is not None


class AutoConfirmSerializer(serializers.Serializer):
    active = ActiveField(help_text="Whether the device's updates are confirmed without asking it.")
    initiator = serializers.CharField(
        source="auto_confirm_initiator", required=False, allow_blank=True, max_length=128,
        help_text="Who turned it on; named in each confirmation. Default: the caller's user name.")
    remark = serializers.CharField(source="auto_confirm_remark", required=False, allow_blank=True, max_length=512,
                                   help_text="Why; named in each confirmation.")
    activatedAt = serializers.DateTimeField(source="auto_confirm_since", read_only=True, allow_null=True,
                                            help_text="When it was turned on; null while off.")


class AutoConfirmView(APIView):
    queryset = Device.objects.all()  # ModelPermissions: viewing or changing devices
    permission_classes = [ModelPermissions, TokenScopes]
    required_scopes = read_write_scopes(Scope.DEVICES_READ, Scope.DEVICES_WRITE)

    def _device(self, uid) -> Device:
        return get_object_or_404(Device, uid=uid)

    @extend_schema(tags=TAGS, summary="A device's auto-confirm state",
                   responses={200: AutoConfirmSerializer, 404: NOT_FOUND})
    def get(self, request, uid):
        return Response(AutoConfirmSerializer(self._device(uid)).data)

    @extend_schema(
        tags=TAGS, summary="Turn a device's auto-confirm on (confirming its updates awaiting it) or off",
        description="`active: true` turns it on and confirms every update of the device awaiting its "
                    "confirmation (409 when it is on already: turn it off first to change the initiator or "
                    "remark); `active: false` turns it off, and future offers ask the device again.",
        request=AutoConfirmSerializer,
        responses={200: AutoConfirmSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT},
    )
    def put(self, request, uid):
        device = self._device(uid)
        body = AutoConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["active"]:
            initiator = data.get("auto_confirm_initiator") or request.user.get_username()
            try:
                consent.activate_auto_confirm(device, initiator, data.get("auto_confirm_remark", ""))
            except consent.AutoConfirmAlreadyActive as error:
                raise Conflict(str(error)) from None
        else:
            consent.deactivate_auto_confirm(device)
        device.refresh_from_db()
        return Response(AutoConfirmSerializer(device).data)
