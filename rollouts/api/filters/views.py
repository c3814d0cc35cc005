"""``/api/v1/device-filters``: named, reusable device queries (the ``filterId`` of rollouts)."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.permissions import read_write_scopes
from catalog.models import Scope
from devices.models import Device
from otaportal.api_errors import CONFLICT, FIELD_ERRORS, NOT_FOUND, Conflict
from rollouts.models import DeviceFilter, RolloutFilter
from rollouts.services import filters

from .serializers import DeviceFilterSerializer, PreviewSerializer


@extend_schema_view(
    list=extend_schema(summary="List device filters"),
    retrieve=extend_schema(summary="Show a device filter", responses={200: DeviceFilterSerializer, 404: NOT_FOUND}),
    create=extend_schema(summary="Create a device filter",
                         responses={201: DeviceFilterSerializer, 400: FIELD_ERRORS}),
    update=extend_schema(summary="Replace a device filter",
                         responses={200: DeviceFilterSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND}),
    destroy=extend_schema(summary="Delete a device filter no rollout uses",
                          responses={204: None, 404: NOT_FOUND, 409: CONFLICT}),
)
class DeviceFilterViewSet(viewsets.ModelViewSet):
    serializer_class = DeviceFilterSerializer
    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    queryset = DeviceFilter.objects.prefetch_related(
        Prefetch("rollout_filters", queryset=RolloutFilter.objects.select_related("rollout"))
    ).order_by("name")
    filterset_fields = ["name"]
    required_scopes = read_write_scopes(Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = filters.save_filter(None, name=data["name"], conditions=data["conditions"],
                                                  description=data.get("description", ""))

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = filters.save_filter(serializer.instance, name=data["name"],
                                                  conditions=data["conditions"],
                                                  description=data.get("description", ""))

    def perform_destroy(self, instance):
        try:
            filters.delete_filter(instance)
        except filters.FilterInUse as error:
            raise Conflict(str(error)) from None

    @extend_schema(
        summary="Count the devices a filter matches",
        parameters=[OpenApiParameter("product", str, description="Count only this product's devices.")],
        responses={200: PreviewSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, pk=None):
        device_filter = self.get_object()
        devices = Device.objects.all()
        if request.query_params.get("product"):
            devices = devices.filter(product__key=request.query_params["product"])
        return Response(filters.preview(device_filter.conditions, devices).as_dict(), status=status.HTTP_200_OK)
