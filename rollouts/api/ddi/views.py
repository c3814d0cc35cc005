"""hawkBit Direct Device Integration API v1 under ``/{tenant}/controller/v1/{controllerId}`` (docs/ddi.md).

Thin views: authenticate the controller, parse the request as hawkBit does,
call rollouts.services.ddi and render its answer in hawkBit's shapes.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from devices import session as sessions
from devices.api import idle
from devices.api.device_endpoint import IgnoreAcceptHeader
from devices.api.downloads import artifact_response
from otaportal.rest import LimitedJSONParser
from rollouts import policy
from rollouts.api.openapi import responses_with_errors
from rollouts.decision import earliest
from rollouts.models import UpdateStatus
from rollouts.prefetch import current_updates
from rollouts.services.consent import UNCONFIRMED_STATUSES
from rollouts.services.ddi import actions, controller
from rollouts.services.ddi.config_data import update_config_data
from rollouts.services.ddi.feedback import ActionClosed, InvalidTransition, cancel_feedback, deployment_feedback

from . import documents
from .authentication import WRONG_TARGET, Controller, DdiAuthentication, IsController, RootPollAuthentication
from .errors import (
    BAD_ATTRIBUTES,
    CONSTRAINT,
    DdiError,
    ExceptionInfoSerializer,
    ddi_exception_handler,
    exception_info_of_status,
    not_found,
    not_readable,
)
from .serializers import (
    ActionFeedbackSerializer,
    ArtifactSerializer,
    CancelSerializer,
    ConfigDataSerializer,
    ControllerBaseSerializer,
    DeploymentBaseSerializer,
)

TAG = "hawkBit DDI"
MD5SUM_SUFFIX = ".MD5SUM"
# hawkBit's default: no history unless asked for.
NO_ACTION_HISTORY = 0


class HalJSONRenderer(JSONRenderer):
    """hawkBit answers application/hal+json; agents that ask for it get it."""

    media_type = "application/hal+json"


def answers(*codes, **documented):
    """OpenAPI responses: the documented ones plus hawkBit's ExceptionInfo for ``codes``."""
    described = {
        400: "Bad Request - e.g. invalid parameters (the fields are named in `parameters`).",
        401: "No or a wrong TargetToken/GatewayToken, an unknown tenant, or another device's controllerId.",
        404: "Target, action or software module not found.",
        409: "The report cannot follow the action's current status.",
        410: "Action is not active anymore.",
        429: "Too many requests from this device.",
    }
    return responses_with_errors(ExceptionInfoSerializer, described, codes, documented)


class DdiView(APIView):
    authentication_classes = [DdiAuthentication]
    permission_classes = [IsController]
    throttle_classes = []  # the device session counts the device's requests (devices.session)
    renderer_classes = [JSONRenderer, HalJSONRenderer]
    parser_classes = [LimitedJSONParser]

    def get_exception_handler(self):
        return ddi_exception_handler

    def handle_exception(self, exc):
        if isinstance(exc, actions.ActionNotFound):
            exc = not_found(str(exc))
        elif isinstance(exc, ActionClosed):
            exc = DdiError(status.HTTP_410_GONE, str(exc))
        elif isinstance(exc, InvalidTransition):
            exc = DdiError(status.HTTP_409_CONFLICT, str(exc))
        elif isinstance(exc, controller.ForeignController):
            exc = DdiError(status.HTTP_401_UNAUTHORIZED, "This gateway token may not act for this controllerId.")
        return super().handle_exception(exc)

    @property
    def caller(self) -> Controller:
        return self.request.auth

    @property
    def device(self):
        if self.request.user is None:
            raise not_found(f"Target with given identifier {{{self.caller.controller_id}}} does not exist.")
        return self.request.user

    def update_of(self, action_id):
        return actions.action_of(self.device, _number(action_id, "actionId"))

    def view_of(self, update, history: int) -> actions.ActionView:
        """The action as it is to be handled now, under the cached policy of the device's product."""
        return actions.view_of(update, policy.for_product(self.device.product_id), timezone.now(), history)


def _number(value, name: str, default=None) -> int:
    """A whole number from the path or query (hawkBit's Long/int parameters): 400 naming it otherwise."""
    if value is None or value == "":
        if default is not None:
            return default
        raise not_readable({name: ["A whole number is required."]}, CONSTRAINT)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise not_readable({name: [f"{value!r} is not a whole number."]}, CONSTRAINT) from None


def action_query(request, with_cache_buster: bool = False) -> int:
    """The action resources' query: how much ``actionHistory`` to show; the ``c`` cache buster, when the
    resource takes one, must be a whole number but is not checked otherwise."""
    if with_cache_buster:
        _number(request.query_params.get("c"), "c", default=-1)
    return _number(request.query_params.get("actionHistory"), "actionHistory", default=NO_ACTION_HISTORY)


ACTION_ID = OpenApiParameter("actionId", OpenApiTypes.INT, OpenApiParameter.PATH)
ACTION_HISTORY = OpenApiParameter(
    "actionHistory", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
    description="Number of the action's earlier messages to include (negative: all, at most 100).",
)
CACHE_BUSTER = OpenApiParameter("c", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False,
                                description="Cache-busting hash from the root poll's link; not checked.")


class ControllerBaseView(DdiView):
    authentication_classes = [RootPollAuthentication]
    SURFACE = "ddi-root"

    @extend_schema(
        tags=[TAG], operation_id="ddi_controller_base", summary="Root resource for an individual target",
        description="Polled regularly by the controller: the polling interval and links to what it should do "
                    "next. Honours If-None-Match with a strong ETag (304 when nothing changed). A gateway token "
                    "registers an unknown controllerId in its product.",
        parameters=[OpenApiParameter("If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        responses=answers(400, 401, 429, _200=ControllerBaseSerializer,
                          _304=OpenApiResponse(description="Not modified since the ETag given.")),
    )
    def get(self, request, tenant, controllerId):
        session, fingerprint = self.caller.session, idle.fingerprint(request)
        if session is None:  # a gateway token's controllerId seen for the first time
            device = controller.register_controller(self.caller.gateway, controllerId)
            state = controller.poll(device, policy.for_product(device.product_id), controller.UpdateFacts(), None)
            answer = _poll_answer(request, controllerId, state)
            return idle.response(request, answer, request.accepted_media_type)
        remembered = sessions.idle_answer(session, self.SURFACE, fingerprint)
        if remembered is not None:
            return idle.response(request, remembered, request.accepted_media_type)
        session = sessions.load_device(session, controller.controllers(with_state=True))
        if session is None:
            raise AuthenticationFailed(WRONG_TARGET)
        snapshot = policy.for_product(session.product_id, session.generation)
        device = session.device
        now = timezone.now()
        state = controller.poll(device, snapshot, controller.update_facts(device), current_updates(device), now)
        answer = _poll_answer(request, controllerId, state)
        sessions.remember(session, self.SURFACE, fingerprint, answer, snapshot.generation,
                          until=earliest(snapshot.holds_until(now), state.holds_until))
        return idle.response(request, answer, request.accepted_media_type)


def _poll_answer(request, controller_id: str, state: controller.ControllerState) -> sessions.Answer:
    document = documents.controller_base(request, controller_id, state)
    return idle.answer(status.HTTP_200_OK, document, documents.entity_tag(document))


class DeploymentBaseView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_deployment_base", summary="Resource for software module (Deployment Base)",
        parameters=[ACTION_ID, ACTION_HISTORY, CACHE_BUSTER],
        responses=answers(400, 401, 404, 429, _200=DeploymentBaseSerializer),
    )
    def get(self, request, tenant, controllerId, actionId):
        history = action_query(request, with_cache_buster=True)
        update = self.update_of(actionId)
        if update.status == UpdateStatus.CANCELED:
            raise not_found(f"Action {update.pk} was canceled: see cancelAction/{update.pk}.")
        _confirmed_first(update)
        return Response(documents.deployment_base(request, controllerId, self.view_of(update, history)))


def _confirmed_first(update) -> None:
    """hawkBit answers 404 on deploymentBase for an action awaiting the device's consent."""
    if update.status in UNCONFIRMED_STATUSES:
        raise not_found(f"Action {update.pk} is waiting for confirmation: see confirmationBase/{update.pk}.")


def _feedback_of(request):
    serializer = ActionFeedbackSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.to_feedback()


class DeploymentFeedbackView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_deployment_feedback", summary="Feedback channel for the DeploymentBase action",
        parameters=[ACTION_ID], request=ActionFeedbackSerializer,
        responses=answers(400, 401, 404, 409, 410, 429, _200=OpenApiResponse(description="Feedback recorded.")),
    )
    def post(self, request, tenant, controllerId, actionId):
        update = self.update_of(actionId)
        _confirmed_first(update)
        deployment_feedback(update, _feedback_of(request))
        return Response(status=status.HTTP_200_OK)


class ConfigDataView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_config_data", summary="Feedback channel for the config data action",
        request=ConfigDataSerializer,
        responses=answers(400, 401, 404, 429, _200=OpenApiResponse(description="Attributes updated.")),
    )
    def put(self, request, tenant, controllerId):
        serializer = ConfigDataSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            update_config_data(self.device, serializer.validated_data["data"], serializer.validated_data["mode"])
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {"data": error.messages}
            raise not_readable(detail, BAD_ATTRIBUTES) from None
        return Response(status=status.HTTP_200_OK)


class CancelActionView(DdiView):
    @extend_schema(tags=[TAG], operation_id="ddi_cancel_action", summary="Cancel an action", parameters=[ACTION_ID],
                   responses=answers(400, 401, 404, 429, _200=CancelSerializer))
    def get(self, request, tenant, controllerId, actionId):
        update = self.update_of(actionId)
        if update.status != UpdateStatus.CANCELED:
            raise not_found(f"Action {update.pk} is not being canceled.")
        return Response(documents.cancel(update.pk))


class CancelFeedbackView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_cancel_feedback", summary="Feedback channel for cancel actions",
        parameters=[ACTION_ID], request=ActionFeedbackSerializer,
        responses=answers(400, 401, 404, 429, _200=OpenApiResponse(description="Feedback recorded.")),
    )
    def post(self, request, tenant, controllerId, actionId):
        update = self.update_of(actionId)
        if update.status != UpdateStatus.CANCELED:
            raise not_found(f"Action {update.pk} is not being canceled.")
        cancel_feedback(update, _feedback_of(request))
        return Response(status=status.HTTP_200_OK)


class InstalledBaseView(DdiView):
    @extend_schema(
        tags=[TAG], operation_id="ddi_installed_base", summary="Previously installed action",
        parameters=[ACTION_ID, ACTION_HISTORY], responses=answers(400, 401, 404, 429, _200=DeploymentBaseSerializer),
    )
    def get(self, request, tenant, controllerId, actionId):
        history = action_query(request)
        update = self.update_of(actionId)
        if actions.is_active(update) or update.status in (UpdateStatus.CANCELED, *UNCONFIRMED_STATUSES):
            raise not_found(f"Action {update.pk} is not finished.")
        return Response(documents.deployment_base(request, controllerId, self.view_of(update, history)))


MODULE_ID = OpenApiParameter("softwareModuleId", OpenApiTypes.INT, OpenApiParameter.PATH,
                             description="The release's artifact id (see the deployment's download links).")


class SoftwareModuleArtifactsView(DdiView):
    @extend_schema(tags=[TAG], operation_id="ddi_module_artifacts",
                   summary="Return all artifacts of a given software module and target", parameters=[MODULE_ID],
                   responses=answers(400, 401, 404, 429, _200=ArtifactSerializer(many=True)))
    def get(self, request, tenant, controllerId, softwareModuleId):
        files = actions.module_files(self.device, _number(softwareModuleId, "softwareModuleId"))
        if files is None:
            raise not_found(f"Software module {softwareModuleId} is not assigned to target {controllerId}.")
        return Response([documents.artifact(request, controllerId, file) for file in files])


class ArtifactView(DdiView):
    content_negotiation_class = IgnoreAcceptHeader

    @extend_schema(
        tags=[TAG], operation_id="ddi_artifact_download", summary="Artifact download (or its .MD5SUM)",
        description="The file's bytes, resumable with Range and If-Range; `{fileName}.MD5SUM` answers "
                    "hawkBit's `<md5>  <fileName>` line. Only files of releases offered to the device.",
        parameters=[MODULE_ID,
                    OpenApiParameter("Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False),
                    OpenApiParameter("If-Range", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False)],
        responses=answers(
            400, 401, 404, 429,
            _200=OpenApiResponse(OpenApiTypes.BINARY, description="The whole file (or the MD5SUM line)."),
            _206=OpenApiResponse(OpenApiTypes.BINARY, description="The requested range."),
            _302=OpenApiResponse(description="With OTA_DOWNLOAD_REDIRECT: a presigned S3 URL."),
            _416=OpenApiResponse(description="The range starts past the end."),
        ),
    )
    def get(self, request, tenant, controllerId, softwareModuleId, fileName):
        module_id = _number(softwareModuleId, "softwareModuleId")
        artifact = actions.downloadable(self.device, module_id, fileName)
        if artifact is not None:
            return artifact_response(request, artifact, error_body=exception_info_of_status)
        if fileName.endswith(MD5SUM_SUFFIX):
            artifact = actions.downloadable(self.device, module_id, fileName.removesuffix(MD5SUM_SUFFIX))
            if artifact is not None:
                return md5sum_response(artifact)
        raise not_found(f"Artifact {fileName!r} of software module {softwareModuleId} is not assigned to target "
                        f"{controllerId}.")


def md5sum_response(artifact) -> HttpResponse:
    """hawkBit's MD5SUM file: ``<md5>  <fileName>``, as md5sum -c reads it."""
    body = f"{artifact.md5}  {artifact.file_name}".encode("ascii", "replace")
    return HttpResponse(body, content_type="text/plain", headers={
        "Content-Disposition": f"attachment;filename={artifact.file_name}{MD5SUM_SUFFIX}",
    })
