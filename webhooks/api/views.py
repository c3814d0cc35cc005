"""``/api/v1/webhooks``: subscriptions, their delivery log, test events and secret rotation."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.api.permissions import ChangeModelPermissions, TokenScopes, read_write_scopes
from catalog.models import Scope
from otaportal.api_errors import FIELD_ERRORS, NOT_FOUND
from webhooks import services
from webhooks.models import Delivery, Subscription
from webhooks.tasks import send_on_commit

from .serializers import DeliverySerializer, SubscriptionSerializer, SubscriptionWithSecretSerializer

TAG = "Webhooks"


@extend_schema_view(
    list=extend_schema(tags=[TAG], summary="List webhook subscriptions"),
    retrieve=extend_schema(tags=[TAG], summary="Show a webhook subscription",
                           responses={200: SubscriptionSerializer, 404: NOT_FOUND}),
    create=extend_schema(tags=[TAG], summary="Subscribe a URL; the answer holds its secret, shown once",
                         responses={201: SubscriptionWithSecretSerializer, 400: FIELD_ERRORS}),
    partial_update=extend_schema(tags=[TAG], summary="Change a subscription; isActive true re-enables it",
                                 responses={200: SubscriptionSerializer, 400: FIELD_ERRORS, 404: NOT_FOUND}),
    destroy=extend_schema(tags=[TAG], summary="Delete a subscription and its delivery log",
                          responses={204: None, 404: NOT_FOUND}),
)
class SubscriptionViewSet(viewsets.ModelViewSet):
    queryset = Subscription.objects.select_related("product").order_by("-created_at", "-id")
    serializer_class = SubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    required_scopes = read_write_scopes(Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE)

    def get_permissions(self):
        if self.action in {"test", "rotate_secret"}:
            return [ChangeModelPermissions(), TokenScopes()]
        return super().get_permissions()

    def create(self, request):
        payload = SubscriptionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription, secret = services.create_subscription(**payload.validated_data)
        body = SubscriptionWithSecretSerializer(subscription, context={"secret": secret}).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        payload = SubscriptionSerializer(subscription, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.update_subscription(subscription, **payload.validated_data)
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(tags=[TAG], summary="The subscription's deliveries, newest first, with each attempt",
                   responses={200: DeliverySerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        deliveries = (Delivery.objects.filter(subscription=self.get_object()).select_related("event")
                      .prefetch_related("attempt_log"))
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(tags=[TAG], summary="Send a webhook.test event to the subscription", request=None,
                   responses={202: DeliverySerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.send_test_event(self.get_object())
        send_on_commit([delivery])
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(tags=[TAG], summary="Give the subscription a new secret; the answer holds it, shown once",
                   request=None, responses={200: SubscriptionWithSecretSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = self.get_object()
        secret = services.rotate_secret(subscription)
        return Response(SubscriptionWithSecretSerializer(subscription, context={"secret": secret}).data)
