"""What the domain apps record becomes webhook events, in the transaction that records it.

Rollout transitions write a RolloutEvent; a deprecation saves the release's
``deprecated_at``; a finished verification sends ``verification_finished``. The
deliveries are queued once that transaction commits. Device update outcomes are only
counted (``webhooks.summaries``): a device request records no event. The domain apps
never import this app: it listens.
"""

from django.db.models.signals import post_save
from django.dispatch import receiver

from catalog.choices import ArtifactState
from catalog.models import Release
from catalog.services.verification import verification_finished
from rollouts.models import DeviceUpdate, EventKind, RolloutEvent
from webhooks import events, payloads, summaries
from webhooks.choices import EventType
from webhooks.tasks import count_outcome_on_commit, send_on_commit

ROLLOUT_EVENT_TYPES = {
    EventKind.STARTED: EventType.ROLLOUT_STARTED,
    EventKind.PHASE_ADVANCED: EventType.ROLLOUT_PHASE_ADVANCED,
    EventKind.PAUSED: EventType.ROLLOUT_PAUSED,
    EventKind.AUTO_PAUSED: EventType.ROLLOUT_AUTO_PAUSED,
    EventKind.RESUMED: EventType.ROLLOUT_RESUMED,
    EventKind.ABORTED: EventType.ROLLOUT_ABORTED,
    EventKind.COMPLETED: EventType.ROLLOUT_COMPLETED,
}
ARTIFACT_EVENT_TYPES = {
    ArtifactState.VERIFIED: EventType.ARTIFACT_VERIFIED,
    ArtifactState.FAILED: EventType.ARTIFACT_FAILED,
}


@receiver(post_save, sender=RolloutEvent, dispatch_uid="webhooks.rollout_event")
def rollout_event_recorded(sender, instance, created, raw=False, **kwargs):
    event_type = ROLLOUT_EVENT_TYPES.get(instance.kind)
    if not created or raw or event_type is None:
        return
    release = Release.objects.select_related("product", "module").get(pk=instance.rollout.release_id)
    send_on_commit(events.record(event_type, payloads.rollout_event_data(instance, release),
                                 product_id=release.product_id, occurred_at=instance.created_at))


@receiver(post_save, sender=Release, dispatch_uid="webhooks.release_deprecated")
def release_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    # Release.deprecate is the one write naming deprecated_at.
    if raw or created or not update_fields or "deprecated_at" not in update_fields:
        return
    send_on_commit(events.record(EventType.RELEASE_DEPRECATED, payloads.deprecation_data(instance),
                                 product_id=instance.product_id, occurred_at=instance.deprecated_at))


@receiver(verification_finished, dispatch_uid="webhooks.verification_finished")
def artifact_verification_finished(sender, artifact, **kwargs):
    event_type = ARTIFACT_EVENT_TYPES.get(artifact.state)
    if event_type is None:
        return
    release = Release.objects.select_related("product", "module").get(pk=artifact.release_of.pk)
    send_on_commit(events.record(event_type, payloads.artifact_data(artifact, release),
                                 product_id=release.product_id))


@receiver(post_save, sender=DeviceUpdate, dispatch_uid="webhooks.device_update_outcome")
def device_update_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    # feedback.report_status names the status it writes; other writes (offers, cancellations) do not count.
    if raw or not update_fields or "status" not in update_fields:
        return
    if instance.status not in summaries.SUMMARISED:
        return
    count_outcome_on_commit(instance.release_id, instance.status)
