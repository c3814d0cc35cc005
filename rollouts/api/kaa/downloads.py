"""Signed download links: Kaa's ``.../files/{fileName}/links`` and the portal route they point to."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Artifact, Scope
from devices.api.downloads import artifact_response
from otaportal.ratelimit import admitted_address, count_bad_credentials
from rollouts import links

from .errors import KaaError, MessageSerializer, kaa_exception_handler, message_body
from .serializers import LinkSerializer
from .views import TAG, KaaView, answers, file_of


class SoftwareFileLinkView(KaaView):
    queryset = Artifact.objects.all()
    required_scopes = {"GET": (Scope.SOFTWARE_READ,), "OPTIONS": (Scope.SOFTWARE_READ,)}

    @extend_schema(
        tags=[TAG], operation_id="kaa_software_file_link",
        summary="Returns a download link to the software file that expires after OTA_KAA_LINK_TTL seconds.",
        responses=answers(400, 401, 403, 404, _200=LinkSerializer),
    )
    def get(self, request, appName, softwareVersion, fileName):
        artifact = file_of(appName, softwareVersion, fileName)
        if not artifact.is_verified:
            raise KaaError(f"The file {fileName!r} is not verified (it is {artifact.state}); "
                           "links are given for verified files only.", status.HTTP_400_BAD_REQUEST)
        url = request.build_absolute_uri(reverse("kaa-file-download", args=[links.sign(artifact)]))
        return Response(LinkSerializer({"link": url}).data)


class FileDownloadView(APIView):
    """``GET /otao/files/<token>``: the bytes behind a link from ``.../files/{fileName}/links``.

    The link is the credential: no token is asked for, but its signature and
    expiry are checked here before streaming (with Range support) or redirecting.
    Forged links count as failed credentials of the caller's address (429 past the limit).
    """

    authentication_classes = []
    permission_classes = []

    def get_exception_handler(self):
        return kaa_exception_handler

    @extend_schema(
        tags=[TAG], operation_id="kaa_file_download", summary="Downloads a file through a signed link.",
        responses={200: OpenApiResponse(description="The file's bytes (206 for a range)."),
                   302: OpenApiResponse(description="Redirect to a presigned URL (OTA_DOWNLOAD_REDIRECT)."),
                   403: OpenApiResponse(MessageSerializer, description="Invalid, altered or expired link.")},
    )
    def get(self, request, token):
        address = admitted_address(request)
        try:
            artifact = links.resolve(token)
        except links.LinkRefused as refused:
            count_bad_credentials(address)
            raise KaaError(str(refused), status.HTTP_403_FORBIDDEN) from None
        return artifact_response(request, artifact, error_body=message_body)
