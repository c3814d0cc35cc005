from django.urls import include, path

# The check-in and DDI patterns are included first of all by otaportal.urls (the device edge).

urlpatterns = [
    path("otao/", include("rollouts.api.kaa.urls")),
    path("", include("rollouts.api.filters.urls")),
    path("", include("rollouts.api.management.urls")),
]
