from rest_framework.routers import SimpleRouter

from .views import DeviceFilterViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/device-filters", DeviceFilterViewSet, basename="device-filter")

urlpatterns = router.urls
