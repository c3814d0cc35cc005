from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from devices.api import management, ota_files, tuf

# {version}.{role}.json; a version of at most nine digits fits the database's integer.
TUF_VERSIONED_METADATA = (r"^tuf/(?P<product>[^/]+)/metadata/"
                          r"(?P<version>[1-9][0-9]{0,8})\.(?P<role>root|snapshot|targets)\.json$")

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/devices", management.DeviceViewSet, basename="device")

# The device ping is included first of all by otaportal.urls, with check-in and DDI (the device edge).
urlpatterns = [
    path("api/v2/ota-files", ota_files.OtaFileList.as_view(), name="ota-file-list"),
    path("api/v2/ota-files/<str:pk>/file", ota_files.OtaFileDownload.as_view(), name="ota-file-download"),
    path("api/v1/deviceUser/read-only/models/firmware", ota_files.LegacyFirmwareList.as_view(),
         name="legacy-firmware-list"),
    path("api/v1/deviceUser/read-only/models/firmware/<str:pk>", ota_files.LegacyFirmwareDownload.as_view(),
         name="legacy-firmware-download"),
    path("tuf/<str:product>/metadata/timestamp.json", tuf.TufTimestamp.as_view(), name="tuf-timestamp"),
    re_path(TUF_VERSIONED_METADATA, tuf.TufVersionedMetadata.as_view(), name="tuf-metadata"),
    path("tuf/<str:product>/targets/<path:path>", tuf.TufTarget.as_view(), name="tuf-target"),
    *router.urls,
]
