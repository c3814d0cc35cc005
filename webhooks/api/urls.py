from rest_framework.routers import SimpleRouter

from webhooks.api.views import SubscriptionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/webhooks", SubscriptionViewSet, basename="webhook")

urlpatterns = router.urls
