from rest_framework.routers import SimpleRouter

from catalog.api.packages.views import PackageViewSet
from catalog.api.versions.views import VersionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/ota/versions", VersionViewSet, basename="ota-version")
router.register(r"v5/iot/(?P<project_id>[^/]+)/ota-upgrades/packages", PackageViewSet, basename="iotda-package")

urlpatterns = router.urls
