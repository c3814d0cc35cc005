from django.urls import path

from devices.api.ping import DevicePingView

urlpatterns = [
    path("api/v1/device/ping", DevicePingView.as_view(), name="device-ping"),
]
