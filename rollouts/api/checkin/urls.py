from django.urls import path

from .views import CheckInView, UpdateStatusView

urlpatterns = [
    path("api/v1/device/check-in", CheckInView.as_view(), name="device-check-in"),
    path("api/v1/device/updates/<int:pk>/status", UpdateStatusView.as_view(), name="device-update-status"),
]
