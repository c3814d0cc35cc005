"""``POST /api/v1/device/check-in`` and the ``statusUrl`` it hands out: our own device protocol."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.services import tuf
from devices import session as sessions
from devices.api import idle
from devices.api.authentication import INVALID_TOKEN, DeviceTokenAuthentication
from devices.api.device_endpoint import DeviceEndpoint
from otaportal.api_errors import CONFLICT, FIELD_ERRORS, NOT_FOUND, Conflict
from rollouts import handling, policy
from rollouts.decision import Report, earliest
from rollouts.models import DeviceUpdate, LogChannel, UpdateStatus, UpdateType
from rollouts.prefetch import current_updates, devices_with_current_updates
from rollouts.services import checkin, consent, feedback

SURFACE = "check-in"

from .serializers import CheckInSerializer, OfferSerializer, StatusReportSerializer, UpdateStateSerializer


def _instant(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def offer_body(request, offer, now) -> dict:
    release, update = offer.release, offer.update
    handled = handling.of_release(release, now)
    file_url = None
    if release.artifact_id is not None:
        file_url = request.build_absolute_uri(reverse("ota-file-download", kwargs={"pk": release.artifact_id}))
    return {
        "updateId": update.pk,
        "status": update.status,
        "version": release.version,
        "module": release.module,
        "fileUrl": file_url,
        "fileName": release.file_name or None,
        "fileSize": release.file_size,
        "sha256Checksum": release.sha256 or None,
        "tufTarget": tuf.target_name(release.module, release.version, release.file_name) if file_url else None,
        "customInfo": release.custom_info,
        "specification": release.specification,
        "updateType": release.update_type,
        "forcedTime": _instant(release.forced_at) if release.update_type == UpdateType.TIMEFORCED else None,
        "installation": handled.installation,
        "installAfter": _instant(handled.install_after),
        "installBefore": _instant(handled.install_before),
        "attempt": update.attempt,
        "statusUrl": request.build_absolute_uri(reverse("device-update-status", kwargs={"pk": update.pk})),
    }


class CheckInAuthentication(DeviceTokenAuthentication):
    """The device token; the device, when read, comes with its current updates in the same query
    (rollouts.prefetch). An idle check-in is answered from its session alone (devices.session)."""

    loads_device = False

    def devices(self):
        return devices_with_current_updates()


# The same "deviceToken" security scheme as its base class (devices.api.authentication.DeviceTokenScheme).
set_override(CheckInAuthentication, "suppress_collision_warning", True)


class CheckInView(DeviceEndpoint, APIView):
    authentication_classes = [CheckInAuthentication]

    @extend_schema(
        summary="Report what the device runs and get the update to install next",
        request=CheckInSerializer,
        responses={200: OfferSerializer, 204: None, 400: FIELD_ERRORS},
        tags=["device check-in"],
    )
    def post(self, request):
        session, fingerprint = request.auth, idle.fingerprint(request, request.body)
        remembered = sessions.idle_answer(session, SURFACE, fingerprint)
        if remembered is not None:
            return idle.response(request, remembered)
        session = sessions.load_device(session, devices_with_current_updates())
        if session is None:
            raise AuthenticationFailed(INVALID_TOKEN)
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        report = Report(agent_version=data["agentVersion"], modules=data["modules"],
                        attributes=data.get("attributes"))
        snapshot = policy.for_product(session.product_id, session.generation)
        now = timezone.now()
        answered = checkin.check_in(session.device, report, snapshot, current_updates(session.device), now)
        offer = answered.offer
        answer = (idle.answer(status.HTTP_204_NO_CONTENT) if offer is None
                  else idle.answer(status.HTTP_200_OK, offer_body(request, offer, now)))
        sessions.remember(session, SURFACE, fingerprint, answer, snapshot.generation,
                          until=earliest(snapshot.holds_until(now), answered.holds_until))
        return idle.response(request, answer)


class UpdateStatusView(DeviceEndpoint, APIView):
    def _update(self, request, pk) -> DeviceUpdate:
        # Another device's update answers 404, like one that does not exist.
        update = DeviceUpdate.objects.filter(pk=pk, device=request.user).first()
        if update is None:
            raise NotFound("No such update for this device.")
        return update

    @extend_schema(summary="The update's current status", responses={200: UpdateStateSerializer, 404: NOT_FOUND},
                   tags=["device check-in"])
    def get(self, request, pk):
        return Response(UpdateStateSerializer(self._update(request, pk)).data)

    @extend_schema(
        summary="Report progress or the outcome of an update",
        request=StatusReportSerializer,
        responses={200: UpdateStateSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND, 409: CONFLICT},
        tags=["device check-in"],
    )
    def post(self, request, pk):
        update = self._update(request, pk)
        body = StatusReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reported, reason = body.validated_data["status"], body.validated_data["reason"]
        try:
            if reported in feedback.CONSENT_ANSWERS:
                answer = consent.confirm if reported == UpdateStatus.CONFIRMED else consent.deny
                update = answer(update, details=(reason,) if reason.strip() else (), channel=LogChannel.CHECK_IN)
            else:
                update = feedback.report_status(update, reported, reason)
        except feedback.InvalidTransition as error:
            raise Conflict({"detail": str(error), "status": error.current}) from None
        return Response(UpdateStateSerializer(update).data)
