"""``/api/v1/approvals``: pending and decided approval requests; approve, reject or withdraw one."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from approvals import services
from approvals.models import ApprovalRequest
from catalog.api.permissions import ModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Scope
from otaportal.api_errors import CONFLICT, FIELD_ERRORS, NOT_FOUND, Conflict

from .serializers import ApprovalRequestSerializer, DecisionSerializer

TAG = "Approvals"
# 403 (one's own request, no approve permission) is among the errors every operation documents.
DECISION_RESPONSES = {200: ApprovalRequestSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT}


class MayViewRequests(ModelPermissions):
    """Deciding needs the view permission here; approvals.services checks the approve permission itself."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class ApprovalRequestFilter(django_filters.FilterSet):
    product = django_filters.CharFilter(field_name="rollout__release__product__key",
                                        help_text="A product's key.")

    class Meta:
        model = ApprovalRequest
        fields = ["state", "step", "product"]


@extend_schema_view(
    list=extend_schema(tags=[TAG],
                       summary="List approval requests, newest first (filter by state, step, product)"),
    retrieve=extend_schema(tags=[TAG], summary="Show an approval request with its dry run and policy",
                           responses={200: ApprovalRequestSerializer, 404: NOT_FOUND}),
)
class ApprovalRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ApprovalRequestSerializer
    permission_classes = [MayViewRequests, TokenScopes]
    required_scopes = read_write_scopes(Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE)
    filterset_class = ApprovalRequestFilter
    queryset = ApprovalRequest.objects.select_related(
        "rollout__release__product", "rollout__release__module", "requested_by", "decided_by",
    ).prefetch_related("rollout__rollout_filters", "rollout__phases").order_by("-requested_at", "-id")

    def _decide(self, decision, **kwargs):
        body = DecisionSerializer(data=self.request.data)
        body.is_valid(raise_exception=True)
        try:
            request = decision(self.get_object(), comment=body.validated_data["comment"], **kwargs)
        except services.ApprovalRefused as refused:
            raise (PermissionDenied if refused.forbidden else Conflict)(str(refused)) from None
        return Response(ApprovalRequestSerializer(request).data)

    @extend_schema(tags=[TAG], summary="Approve: perform the step for its requester (never one's own)",
                   request=DecisionSerializer, responses=DECISION_RESPONSES)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(services.approve, approver=request.user)

    @extend_schema(tags=[TAG], summary="Reject: the step is not performed (never one's own request)",
                   request=DecisionSerializer, responses=DECISION_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(services.reject, approver=request.user)

    @extend_schema(tags=[TAG], summary="Withdraw one's own pending request", request=DecisionSerializer,
                   responses=DECISION_RESPONSES)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._decide(services.withdraw, requester=request.user)
