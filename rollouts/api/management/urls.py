from django.urls import path
from rest_framework.routers import SimpleRouter

from . import auto_confirm, windows
from .views import ExplainView, RolloutViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/rollouts", RolloutViewSet, basename="rollout")

urlpatterns = [
    path("api/v1/devices/<str:uid>/explain", ExplainView.as_view(), name="device-explain"),
    path("api/v1/devices/<str:uid>/auto-confirm", auto_confirm.AutoConfirmView.as_view(),
         name="device-auto-confirm"),
    path("api/v1/products/<str:name>/maintenance-windows", windows.ProductWindows.as_view(),
         name="product-maintenance-windows"),
    path("api/v1/products/<str:name>/maintenance-windows/<int:pk>", windows.ProductWindow.as_view(),
         name="product-maintenance-window"),
    path("api/v1/rollouts/<str:name>/maintenance-windows", windows.RolloutWindows.as_view(),
         name="rollout-maintenance-windows"),
    path("api/v1/rollouts/<str:name>/maintenance-windows/<int:pk>", windows.RolloutWindow.as_view(),
         name="rollout-maintenance-window"),
    *router.urls,
]
