from django.urls import path
from rest_framework.routers import SimpleRouter

from devices.api import management, ota_files
from devices.api.ping import DevicePingView

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/devices", management.DeviceViewSet, basename="device")

urlpatterns = [
    path("api/v1/device/ping", DevicePingView.as_view(), name="device-ping"),
    path("api/v2/ota-files", ota_files.OtaFileList.as_view(), name="ota-file-list"),
    path("api/v2/ota-files/<str:pk>/file", ota_files.OtaFileDownload.as_view(), name="ota-file-download"),
    path("api/v1/deviceUser/read-only/models/firmware", ota_files.LegacyFirmwareList.as_view(),
         name="legacy-firmware-list"),
    path("api/v1/deviceUser/read-only/models/firmware/<str:pk>", ota_files.LegacyFirmwareDownload.as_view(),
         name="legacy-firmware-download"),
    *router.urls,
]
