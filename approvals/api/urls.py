from rest_framework.routers import SimpleRouter

from .views import ApprovalRequestViewSet

router = SimpleRouter(trailing_slash=False)
router.register("api/v1/approvals", ApprovalRequestViewSet, basename="approval-request")

urlpatterns = router.urls
