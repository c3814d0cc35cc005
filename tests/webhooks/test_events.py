"""Which changes become events, for which subscriptions: recorded in the change's transaction."""

from datetime import timedelta

from django.utils import timezone

from catalog.services.releases import deprecate_release
from rollouts.models import Strategy
from rollouts.services import transitions
from tests.factories import ProductFactory, ReleaseFactory
from tests.fixtures.rollouts import attach_verified_artifact
from webhooks import events, services
from webhooks.choices import DeliveryState
from webhooks.models import Delivery, WebhookEvent


def test_a_product_filter_keeps_other_products_events_away(subscribe, product):
    # Given one subscription to every product and one to another product only
    everything = subscribe(event_types=["rollout.started"])
    other_product_only = subscribe(event_types=["rollout.started"], product=ProductFactory(key="doorbell"))
    release = ReleaseFactory(product=product)
    attach_verified_artifact(release)

    # When the thermostat's rollout starts
    transitions.start(release.rollout, strategy=Strategy.GENERAL)

    # Then only the unfiltered subscription gets a delivery
    assert list(Delivery.objects.values_list("subscription", flat=True)) == [everything.pk]
    assert not other_product_only.deliveries.exists()


def test_an_event_type_nobody_wants_records_nothing(subscribe, product):
    # Given a subscription to artifact events only
    subscribe(event_types=["artifact.verified"])
    release = ReleaseFactory(product=product)
    attach_verified_artifact(release)

    # When a rollout starts
    transitions.start(release.rollout, strategy=Strategy.GENERAL)

    # Then no event is recorded
    assert not WebhookEvent.objects.exists()


def test_a_deprecated_release_is_announced_with_its_reason(subscribe, product):
    # Given a subscription to deprecations
    subscribe(event_types=["release.deprecated"])
    release = ReleaseFactory(product=product, version="1.2.0")

    # When the release is deprecated
    deprecate_release(release, "bricks the bootloader")

    # Then the event carries the release and the reason
    payload = WebhookEvent.objects.get().payload
    assert payload["type"] == "release.deprecated"
    assert payload["data"]["reason"] == "bricks the bootloader"
    assert payload["data"]["release"]["version"] == "1.2.0"


def test_an_automatic_pause_is_its_own_event_type(subscribe, offerable_release):
    # Given a running rollout and a subscription to automatic pauses only
    release = offerable_release()
    subscribe(event_types=["rollout.auto_paused"])

    # When the thresholds pause it
    transitions.pause(release.rollout, "failure threshold crossed", automatic=True)

    # Then a rollout.auto_paused event carries the reason
    payload = WebhookEvent.objects.get().payload
    assert payload["type"] == "rollout.auto_paused"
    assert payload["data"]["rollout"]["stateReason"] == "failure threshold crossed"


def test_pruning_forgets_old_finished_deliveries_and_keeps_pending_ones(subscribe):
    # Given a delivery finished 40 days ago and one pending as long
    subscription = subscribe()
    long_ago = timezone.now() - timedelta(days=40)
    finished, pending = services.send_test_event(subscription), services.send_test_event(subscription)
    WebhookEvent.objects.update(created_at=long_ago)
    Delivery.objects.filter(pk=finished.pk).update(state=DeliveryState.SUCCEEDED, finished_at=long_ago)

    # When the log is pruned of what finished over 30 days ago
    events.prune(timezone.now() - timedelta(days=30))

    # Then only the pending delivery and its event remain
    assert list(Delivery.objects.values_list("pk", flat=True)) == [pending.pk]
    assert list(WebhookEvent.objects.values_list("pk", flat=True)) == [pending.event_id]
