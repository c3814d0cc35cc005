"""hawkBit's user-consent resources under ``{base}/confirmationBase`` (docs/ddi.md, "Confirmation").

Paths, field names, links and status codes are hawkBit's (DdiRootController,
DdiConfirmationBase, DdiConfirmationBaseAction, DdiConfirmationFeedback,
DdiActivateAutoConfirmation); the views validate and call
rollouts.services.consent.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from rollouts.services import consent
from rollouts.services.ddi import controller
from rollouts.services.update_log import MAX_LOG_LINES, MAX_MESSAGE_LENGTH

from . import documents
from .errors import DdiError, not_found
from .serializers import ActionHistorySerializer, DeploymentSerializer, StatusCodeField, links_of
from .views import ACTION_HISTORY, ACTION_ID, CACHE_BUSTER, NO_ACTION_HISTORY, TAG, DdiView, action_query, answers

ALREADY_ACTIVE = ("org.eclipse.hawkbit.repository.exception.AutoConfirmationAlreadyActiveException",
                  "hawkbit.server.error.repo.autoConfAlreadyActive")
CONFIRMATION = {"confirmed": consent.confirm, "denied": consent.deny}
# As the device model's fields (devices.models.Device.auto_confirm_*).
MAX_INITIATOR, MAX_REMARK = 128, 512


# --- request bodies -----------------------------------------------------------------------------

class ConfirmationFeedbackSerializer(serializers.Serializer):
    """hawkBit's DdiConfirmationFeedback; unknown keys are ignored."""

    confirmation = serializers.ChoiceField(list(CONFIRMATION), help_text="confirmed or denied.")
    code = StatusCodeField()
    details = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False, allow_null=True,
        max_length=MAX_LOG_LINES,
        help_text=f"Messages, kept in the action's log (a line over {MAX_MESSAGE_LENGTH} characters in pieces).",
    )


class ActivateAutoConfirmSerializer(serializers.Serializer):
    """hawkBit's DdiActivateAutoConfirmation."""

    initiator = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=MAX_INITIATOR,
                                      help_text="Who turned it on (e.g. a user name), named in each confirmation.")
    remark = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=MAX_REMARK,
                                   help_text="A remark kept with it and named in each confirmation.")


# --- response shapes, for the OpenAPI schema ----------------------------------------------------------

class AutoConfirmStateSerializer(serializers.Serializer):
    """hawkBit's DdiAutoConfirmationState: initiator, remark and activatedAt only while active."""

    active = serializers.BooleanField()
    initiator = serializers.CharField(required=False)
    remark = serializers.CharField(required=False)
    activatedAt = serializers.IntegerField(required=False, help_text="Unix time in milliseconds.")


class ConfirmationBaseSerializer(serializers.Serializer):
    autoConfirm = AutoConfirmStateSerializer()
    _links = links_of("ConfirmationBaseLinks", "activateAutoConfirm", "deactivateAutoConfirm", "confirmationBase")


class ConfirmationBaseActionSerializer(serializers.Serializer):
    """hawkBit's DdiConfirmationBaseAction: the deployment, under ``confirmation``."""

    id = serializers.CharField()
    confirmation = DeploymentSerializer()
    actionHistory = ActionHistorySerializer(required=False)


# --- views ----------------------------------------------------------------------------------------------

class ConfirmationBaseView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_confirmation_base",
        summary="Resource to request confirmation specific information for the controller",
        description="The auto-confirm state, the link to switch it, and the action awaiting the device's "
                    "confirmation (or a denial it may take back), if any.",
        responses=answers(400, 401, 404, 429, _200=ConfirmationBaseSerializer),
    )
    def get(self, request, tenant, controllerId):
        device = self.device
        update = consent.pending_consent(device)
        pending = None
        if update is not None:
            action = self.view_of(update, NO_ACTION_HISTORY)
            pending = (update.pk, controller.resource_hash(update.pk, action.handling, update.attempt))
        return Response(documents.confirmation_base(request, controllerId, device, pending))


class ConfirmationActionView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_confirmation_action", summary="Confirmation status of an action",
        description="The action awaiting the device's confirmation, in deploymentBase's format under "
                    "`confirmation`; 404 once it no longer waits (confirmed: see deploymentBase).",
        parameters=[ACTION_ID, ACTION_HISTORY, CACHE_BUSTER],
        responses=answers(400, 401, 404, 429, _200=ConfirmationBaseActionSerializer),
    )
    def get(self, request, tenant, controllerId, actionId):
        history = action_query(request, with_cache_buster=True)
        update = self.update_of(actionId)
        if update.status not in consent.UNCONFIRMED_STATUSES:
            raise not_found(f"Action {update.pk} is not waiting for confirmation.")
        return Response(documents.confirmation_action(request, controllerId, self.view_of(update, history)))


class ConfirmationFeedbackView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_confirmation_feedback",
        summary="Feedback channel for actions waiting for confirmation",
        description="confirmed: the action proceeds and the next poll links its deploymentBase; denied: the "
                    "device refuses it (counted as a denial, not a failure) or revokes its consent before "
                    "downloading. 404 when the action does not wait for confirmation, 410 when it is closed.",
        parameters=[ACTION_ID], request=ConfirmationFeedbackSerializer,
        responses=answers(400, 401, 404, 410, 429, _200=OpenApiResponse(description="Feedback recorded.")),
    )
    def post(self, request, tenant, controllerId, actionId):
        update = self.update_of(actionId)
        body = ConfirmationFeedbackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answer = CONFIRMATION[body.validated_data["confirmation"]]
        try:
            answer(update, body.validated_data.get("code"), tuple(body.validated_data.get("details") or ()))
        except consent.ConsentRefused as refused:
            if refused.closed:
                raise DdiError(status.HTTP_410_GONE, str(refused)) from None
            raise not_found(str(refused)) from None
        return Response(status=status.HTTP_200_OK)


class ActivateAutoConfirmView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_activate_auto_confirm",
        summary="Interface to activate auto-confirmation for a specific device",
        description="Confirms the actions awaiting confirmation now and every future one while active. The "
                    "body is optional. 409 when auto-confirm is active already.",
        request=ActivateAutoConfirmSerializer,
        responses=answers(400, 401, 404, 409, 429, _200=OpenApiResponse(description="Auto-confirm activated.")),
    )
    def post(self, request, tenant, controllerId):
        device = self.device
        if not request.body or request.data is None:
            initiator, remark = "", consent.FALLBACK_REMARK  # hawkBit's answer to a request without a body
        else:
            body = ActivateAutoConfirmSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            initiator = body.validated_data.get("initiator") or ""
            remark = body.validated_data.get("remark") or ""
        try:
            consent.activate_auto_confirm(device, initiator, remark)
        except consent.AutoConfirmAlreadyActive as error:
            raise DdiError(status.HTTP_409_CONFLICT, str(error), ALREADY_ACTIVE) from None
        return Response(status=status.HTTP_200_OK)


class DeactivateAutoConfirmView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_deactivate_auto_confirm",
        summary="Interface to deactivate auto-confirmation for a specific controller",
        description="Future actions ask for confirmation again; actions already confirmed stay so. Answers 200 "
                    "when it was not active too, as hawkBit does.",
        request=None,
        responses=answers(401, 404, 429, _200=OpenApiResponse(description="Auto-confirm deactivated.")),
    )
    def post(self, request, tenant, controllerId):
        consent.deactivate_auto_confirm(self.device)
        return Response(status=status.HTTP_200_OK)
