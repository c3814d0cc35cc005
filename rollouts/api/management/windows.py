"""``/api/v1/products/{key}/maintenance-windows`` and ``/api/v1/rollouts/{releaseId}/maintenance-windows``:
when a product's devices, or one rollout's, may install (docs/rollouts.md, "Maintenance windows")."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from catalog.api.permissions import ModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Product, Scope
from otaportal.api_errors import FIELD_ERRORS, NOT_FOUND
from rollouts.models import MaintenanceWindow, Rollout
from rollouts.services import maintenance
from rollouts.windows import validate_time_zone

from .views import rollout_named

# The model's names for what this API calls otherwise: the time zone, and the owner's limit of windows.
API_NAMES = {"time_zone": "timeZone", NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY}
MOMENT = {"type": "string", "format": "date-time", "nullable": True}
TAGS = ["maintenance windows"]


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    timeZone = serializers.CharField(source="time_zone", max_length=64, default="UTC", validators=[validate_time_zone],
                                     help_text="The IANA time zone the schedule is read in, e.g. Europe/Berlin.")
    openNow = serializers.SerializerMethodField(help_text="Whether the window is open at the time of the answer.")
    openUntil = serializers.SerializerMethodField(help_text="When the current opening closes; null: closed now.")
    nextOpening = serializers.SerializerMethodField(
        help_text="When the window next opens (after the current opening when open now); null: never again.")

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "schedule", "duration", "timeZone", "openNow", "openUntil", "nextOpening"]
        extra_kwargs = {"duration": {"help_text": "How long it stays open, as [DD ]HH:MM:SS, e.g. 03:00:00; "
                                                  "1 minute to 7 days."}}

    _looked_at = (None, None)  # (window, its standing): the three fields below read one look at a window

    def _standing(self, window) -> maintenance.Standing:
        if self._looked_at[0] is not window:
            self._looked_at = (window, maintenance.standing(window, self.context["now"]))
        return self._looked_at[1]

    def get_openNow(self, window) -> bool:
        return self._standing(window).open_now

    @extend_schema_field(MOMENT)
    def get_openUntil(self, window):
        moment = self._standing(window).open_until
        return None if moment is None else moment.isoformat()

    @extend_schema_field(MOMENT)
    def get_nextOpening(self, window):
        moment = self._standing(window).next_opening
        return None if moment is None else moment.isoformat()


class WindowsEndpoint(APIView):
    """The windows of one owner (a product or a rollout), named by the URL."""

    permission_classes = [ModelPermissions, TokenScopes]
    required_scopes = read_write_scopes(Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE)
    queryset = MaintenanceWindow.objects.all()  # for ModelPermissions: the maintenance window's permissions

    def owner(self, name: str):
        raise NotImplementedError

    def context(self) -> dict:
        return {"now": timezone.now(), "request": self.request}


class WindowList(WindowsEndpoint):
    @extend_schema(tags=TAGS, summary="List the maintenance windows, each with when it next opens",
                   responses={200: MaintenanceWindowSerializer(many=True), 404: NOT_FOUND})
    def get(self, request, name):
        windows = maintenance.windows_of(self.owner(name))
        return Response(MaintenanceWindowSerializer(windows, many=True, context=self.context()).data)

    @extend_schema(tags=TAGS, summary="Add a maintenance window: devices install only inside one",
                   request=MaintenanceWindowSerializer,
                   responses={201: MaintenanceWindowSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND})
    def post(self, request, name):
        owner = self.owner(name)
        body = MaintenanceWindowSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            window = maintenance.add_window(owner, data["schedule"], data["duration"], data["time_zone"])
        except DjangoValidationError as error:  # named by the model's fields: answered by this API's names
            raise serializers.ValidationError({API_NAMES.get(field, field): messages
                                               for field, messages in error.message_dict.items()}) from None
        return Response(MaintenanceWindowSerializer(window, context=self.context()).data,
                        status=status.HTTP_201_CREATED)


class WindowDetail(WindowsEndpoint):
    @extend_schema(tags=TAGS, summary="Remove a maintenance window", responses={204: None, 404: NOT_FOUND})
    def delete(self, request, name, pk):
        owner = self.owner(name)
        # Another owner's window answers 404 like one that does not exist.
        window = owner.maintenance_windows.filter(pk=pk).first()
        if window is None:
            raise NotFound(f"No maintenance window {pk} here.")
        maintenance.remove_window(window)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductOwned:
    def owner(self, name: str) -> Product:
        return get_object_or_404(Product, key=name)


class RolloutOwned:
    def owner(self, name: str) -> Rollout:
        return rollout_named(Rollout.objects.select_related("release__product"), name)


class ProductWindows(ProductOwned, WindowList):
    pass


class ProductWindow(ProductOwned, WindowDetail):
    pass


class RolloutWindows(RolloutOwned, WindowList):
    pass


class RolloutWindow(RolloutOwned, WindowDetail):
    pass
