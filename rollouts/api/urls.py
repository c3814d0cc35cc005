from django.urls import include, path

urlpatterns = [
    path("otao/", include("rollouts.api.kaa.urls")),
]
