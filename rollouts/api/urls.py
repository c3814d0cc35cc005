from django.urls import include, path

urlpatterns = [
    path("otao/", include("rollouts.api.kaa.urls")),
    path("", include("rollouts.api.filters.urls")),
    path("", include("rollouts.api.management.urls")),
    path("", include("rollouts.api.checkin.urls")),
    path("", include("rollouts.api.ddi.urls")),
]
