"""``/api/v1/rollouts/{releaseId}``: a release's rollout with live counts, its transitions and dry run,
and ``/api/v1/devices/{uid}/explain``: why a device gets (or does not get) a version."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services as approvals
from approvals.api.serializers import ApprovalRequestSerializer
from approvals.models import ApprovalRequest
from catalog.api.permissions import ChangeModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Release, Scope
from catalog.services.releases import RELEASE_NAME_FORMS, BadReleaseName, release_lookup
from devices.models import Device
from otaportal.api_errors import CONFLICT, FIELD_ERRORS, NOT_FOUND, Conflict
from rollouts import decision
from rollouts.models import DeviceFilter, Rollout, RolloutFilter, RolloutPhase
from rollouts.services import delivery, progress, transitions
from rollouts.services.approval_rules import ApprovalStep
from rollouts.services.dry_run import dry_run as preview_release

from .serializers import (
    AbortSerializer,
    AdvanceSerializer,
    DryRunQuerySerializer,
    ExplanationSerializer,
    PolicySerializer,
    ReasonSerializer,
    RolloutSerializer,
    StartSerializer,
    explanation_data,
)


def _filter_specs(schedules):
    ids = [schedule["filterId"] for schedule in schedules]
    known = DeviceFilter.objects.in_bulk(ids)
    specs = []
    for index, schedule in enumerate(schedules):
        device_filter = known.get(schedule["filterId"])
        if device_filter is None:
            raise serializers.ValidationError({f"filters[{index}].filterId": f"No filter {schedule['filterId']}."})
        specs.append(transitions.FilterSpec(device_filter, schedule.get("rolloutDate")))
    return specs


def _phase_specs(phases):
    return [transitions.PhaseSpec(phase["percentage"], phase["min_soak"], phase["success_threshold"],
                                  phase["failure_threshold"]) for phase in phases]


# The policy's fields by the model names set_policy takes: delivery options' errors name them so.
API_NAMES = {field.source: name for name, field in PolicySerializer().fields.items()}


def _policy_arguments(data) -> dict:
    arguments = {name: value for name, value in data.items() if name in delivery.FIELDS}
    if "strategy" in data:
        arguments["strategy"] = data["strategy"]
    if "filters" in data:
        arguments["filters"] = _filter_specs(data["filters"])
    if "phases" in data:
        arguments["phases"] = _phase_specs(data["phases"])
    return arguments


def _transition(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except transitions.TransitionError as error:
        raise Conflict(str(error)) from None


def rollout_named(rollouts, name: str) -> Rollout:
    """The rollout of the release ``name`` names (an id or PRODUCT[:MODULE]:VERSION); 404 otherwise."""
    try:
        lookup = release_lookup(name)
    except BadReleaseName as error:
        raise NotFound(str(error)) from None
    rollout = rollouts.filter(**{f"release__{field}": value for field, value in lookup.items()}).first()
    if rollout is None:
        raise NotFound(f"No release {name}.")
    return rollout


RELEASE_ID = OpenApiParameter("release_id", str, OpenApiParameter.PATH,
                              description=f"The release: {RELEASE_NAME_FORMS}, e.g. `thermostat:default:2.1.0`.")


@extend_schema_view(
    list=extend_schema(summary="List rollouts with live counts"),
    retrieve=extend_schema(summary="Show a release's rollout with live counts per state and phase",
                           parameters=[RELEASE_ID], responses={200: RolloutSerializer, 404: NOT_FOUND}),
)
class RolloutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RolloutSerializer
    permission_classes = [ChangeModelPermissions, TokenScopes]
    required_scopes = read_write_scopes(Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE)
    lookup_field = "release_id"
    lookup_value_regex = "[^/]+"  # an id or PRODUCT[:MODULE]:VERSION (catalog.services.releases.release_lookup)
    filterset_fields = ["state", "strategy", "release__product__key"]
    queryset = (
        Rollout.objects.select_related("release__product", "release__module")
        .prefetch_related(Prefetch("rollout_filters", queryset=RolloutFilter.objects.select_related("filter")),
                          Prefetch("phases", queryset=RolloutPhase.objects.order_by("position")))
        .order_by("release__product__key", "release__module__name", "-release__version_key")
    )

    def get_object(self):
        rollout = rollout_named(self.get_queryset(), self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, rollout)
        return rollout

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "progress": getattr(self, "_progress", {})}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self._progress = progress.progress_of_many([rollout.release_id for rollout in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        rollout = self.get_object()
        self._progress = {str(rollout.release_id): progress.progress_of(rollout.release_id)}
        return Response(self.get_serializer(rollout).data)

    def _respond(self, rollout):
        return self.retrieve(self.request, release_id=rollout.release_id)

    def _perform_or_request(self, step, rollout, **arguments):
        """The rollout after the step, or 202 with the approval request the step became (four-eyes)."""
        try:
            outcome = approvals.perform_or_request(step, rollout, requester=self.request.user, **arguments)
        except (transitions.TransitionError, approvals.ApprovalRefused) as error:
            raise Conflict(str(error)) from None
        except DjangoValidationError as error:  # named by the model's fields: answered by this API's names
            raise serializers.ValidationError({API_NAMES.get(name, name): messages
                                               for name, messages in error.message_dict.items()}) from None
        if isinstance(outcome, ApprovalRequest):
            return Response(ApprovalRequestSerializer(outcome).data, status=status.HTTP_202_ACCEPTED)
        return self._respond(outcome)

    @extend_schema(summary="Change the policy (strategy, filters, phases, flags) without changing the state; "
                           "switching a live rollout to general may answer 202 with an approval request",
                   request=PolicySerializer, parameters=[RELEASE_ID],
                   responses={200: RolloutSerializer, 202: ApprovalRequestSerializer, 400: FIELD_ERRORS,
                              404: NOT_FOUND, 409: CONFLICT})
    def partial_update(self, request, release_id=None):
        rollout = self.get_object()
        body = PolicySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._perform_or_request(ApprovalStep.GENERAL, rollout,
                                        **_policy_arguments(body.validated_data))

    @extend_schema(summary="Start: set strategy, filters and phases and run from the first phase (202 with "
                           "an approval request when the product requires approval)",
                   request=StartSerializer, parameters=[RELEASE_ID],
                   responses={200: RolloutSerializer, 202: ApprovalRequestSerializer, 400: FIELD_ERRORS,
                              404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request, release_id=None):
        rollout = self.get_object()
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._perform_or_request(ApprovalStep.START, rollout, **_policy_arguments(body.validated_data))

    @extend_schema(summary="Pause: stop offering the release to more devices", request=ReasonSerializer,
                   parameters=[RELEASE_ID], responses={200: RolloutSerializer, 404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def pause(self, request, release_id=None):
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rollout = _transition(transitions.pause, self.get_object(), body.validated_data["reason"], actor=request.user)
        return self._respond(rollout)

    @extend_schema(summary="Resume a paused rollout (202 with an approval request after an automatic pause, "
                           "when the product requires approval)", request=None, parameters=[RELEASE_ID],
                   responses={200: RolloutSerializer, 202: ApprovalRequestSerializer, 404: NOT_FOUND,
                              409: CONFLICT})
    @action(detail=True, methods=["post"])
    def resume(self, request, release_id=None):
        return self._perform_or_request(ApprovalStep.RESUME, self.get_object())

    @extend_schema(summary="Abort: stop for good and cancel offers not yet being installed",
                   request=AbortSerializer, parameters=[RELEASE_ID],
                   responses={200: RolloutSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def abort(self, request, release_id=None):
        body = AbortSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        rollout = _transition(transitions.abort, self.get_object(), body.validated_data["reason"], actor=request.user)
        return self._respond(rollout)

    @extend_schema(summary="Advance to the next phase (or complete after the last); 202 with an approval "
                           "request when widening past the product's approval threshold",
                   request=AdvanceSerializer,
                   parameters=[RELEASE_ID], responses={200: RolloutSerializer, 202: ApprovalRequestSerializer,
                                                       404: NOT_FOUND, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def advance(self, request, release_id=None):
        body = AdvanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._perform_or_request(ApprovalStep.WIDEN, self.get_object(),
                                        force=body.validated_data["force"])

    @extend_schema(summary="Who would be offered the release: counts by product, installed version and phase",
                   parameters=[RELEASE_ID, DryRunQuerySerializer],
                   responses={200: dict, 400: FIELD_ERRORS, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="dry-run")
    def dry_run(self, request, release_id=None):
        rollout = self.get_object()
        query = DryRunQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = preview_release(rollout.release, **query.validated_data)
        except ValueError as error:
            raise serializers.ValidationError({"phase": str(error)}) from None
        return Response(result.as_dict())


class CanExplain(permissions.BasePermission):
    """Explaining shows a device's data and a rollout's policy: both view permissions are needed."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.has_perms(["rollouts.view_rollout", "devices.view_device"]))


class ExplainView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanExplain, TokenScopes]
    # The explanation shows the device's data and the rollout's policy.
    required_scopes = {method: (Scope.DEVICES_READ, Scope.ROLLOUTS_READ) for method in ("GET", "OPTIONS")}

    @extend_schema(
        summary="Why a device gets (or does not get) a version: every rule, passed or failed",
        parameters=[
            OpenApiParameter("release", str, description=f"The release: {RELEASE_NAME_FORMS}; or give version "
                                                         "(and module)."),
            OpenApiParameter("version", str),
            OpenApiParameter("module", str, description="Module name (default: default)."),
        ],
        responses={200: ExplanationSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND},
    )
    def get(self, request, uid):
        device = get_object_or_404(Device.objects.select_related("product"), uid=uid)
        release = _release_named(device, request.query_params)
        return Response(explanation_data(decision.explain(device, release)))


def _release_named(device, params) -> Release:
    if params.get("release"):
        try:
            return get_object_or_404(Release, **release_lookup(params["release"]))
        except BadReleaseName as error:
            raise serializers.ValidationError({"release": str(error)}) from None
    if not params.get("version"):
        raise serializers.ValidationError({"release": "Give release=<id>, or version=<version> (and module)."})
    return get_object_or_404(Release, product_id=device.product_id, module__name=params.get("module") or "default",
                             version=params["version"])
