"""The admin: the secret shown once, a test event and a redelivery as POST-only buttons, a read-only log."""

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from webhooks import services
from webhooks.choices import DeliveryState
from webhooks.models import Delivery, Subscription


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_adding_a_subscription_shows_its_secret_once(admin_client, product):
    # When a subscription is added through the admin
    response = admin_client.post(reverse("admin:webhooks_subscription_add"), {
        "name": "ops", "url": "https://hooks.example.com/ota",
        "event_types": ["rollout.started", "rollout.paused"],
        "product": product.pk, "is_active": "on",
    }, follow=True)

    # Then its secret is shown in a message, and is the one stored
    subscription = Subscription.objects.get()
    assert subscription.event_types == ["rollout.started", "rollout.paused"]
    assert any(subscription.secret in message for message in _messages(response))


def test_send_test_event_queues_a_test_delivery_on_post_only(admin_client, subscribe):
    # Given a subscription
    subscription = subscribe()
    url = reverse("admin:webhooks_subscription_send_test_event", args=[subscription.pk])

    # When the button's URL is fetched, nothing is sent; when it is posted, a test event is
    assert admin_client.get(url).status_code == 405
    assert not Delivery.objects.exists()
    admin_client.post(url)
    assert Delivery.objects.get().event.type == "webhook.test"


def test_redeliver_sends_a_failed_delivery_again_with_the_same_id(admin_client, subscribe):
    # Given a delivery whose attempts all failed
    delivery = services.send_test_event(subscribe())
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED, attempts=8)

    # When it is redelivered from its admin page
    url = reverse("admin:webhooks_delivery_redeliver", args=[delivery.pk])
    assert admin_client.get(url).status_code == 405
    admin_client.post(url)

    # Then the same delivery is pending again on a fresh schedule
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.PENDING, 0)


def test_the_delivery_log_is_read_only(admin_client, subscribe):
    delivery = services.send_test_event(subscribe())

    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk]))

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:webhooks_delivery_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:webhooks_subscription_changelist")).status_code == 200


def test_the_admin_index_names_a_subscription_the_portal_disabled(admin_client, subscribe):
    # Given a subscription disabled after failed messages, and one still active
    disabled = subscribe(name="crm")
    Subscription.objects.filter(pk=disabled.pk).update(
        is_active=False, disabled_at=timezone.now(),
        disabled_reason="Disabled after 5 messages in a row failed.")
    subscribe(name="ops")

    # When the admin's index is shown
    page = admin_client.get(reverse("admin:index")).content.decode()

    # Then it names the disabled one and why, and not the other
    assert f'data-webhook-disabled="{disabled.pk}"' in page
    assert "Disabled after 5 messages in a row failed." in page
    assert page.count("data-webhook-disabled") == 1


def test_rotating_the_secret_shows_the_new_one_once(admin_client, subscribe):
    subscription = subscribe()
    old_secret = subscription.secret

    response = admin_client.post(reverse("admin:webhooks_subscription_rotate_secret", args=[subscription.pk]),
                                 follow=True)

    subscription.refresh_from_db()
    assert subscription.secret != old_secret
    assert any(subscription.secret in message for message in _messages(response))
