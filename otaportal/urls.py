from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from devices.api.ping import DevicePingView
from otaportal.health_view import health_check

urlpatterns = [
    # The device edge first: most requests are devices polling, and every pattern tried costs.
    path("", include("rollouts.api.ddi.urls")),
    path("", include("rollouts.api.checkin.urls")),
    path("api/v1/device/ping", DevicePingView.as_view(), name="device-ping"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("health/", health_check, name="health"),
    path("api/schema/", SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
         name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", authentication_classes=[],
                                                     permission_classes=[]), name="api-docs"),
    path("", include("catalog.api.urls")),
    path("", include("devices.api.urls")),
    path("", include("rollouts.api.urls")),
    path("", include("webhooks.api.urls")),
    path("", include("approvals.api.urls")),
]

handler400 = "otaportal.views.bad_request"
handler403 = "otaportal.views.permission_denied"
handler404 = "otaportal.views.not_found"
handler500 = "otaportal.views.server_failure"
