from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ExplainView, RolloutViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/rollouts", RolloutViewSet, basename="rollout")

urlpatterns = [
    path("api/v1/devices/<str:uid>/explain", ExplainView.as_view(), name="device-explain"),
    *router.urls,
]
