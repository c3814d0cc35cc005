"""Subscriptions (secret shown once, test event, secret rotation) and the read-only delivery log."""

import json

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from catalog.admin.object_actions import ObjectActionsMixin, object_action
from catalog.admin.read_only import ReadOnlyAdminMixin
from otaportal.admin_display import badge
from webhooks import services
from webhooks.choices import DELIVERY_STATE_COLOURS, DeliveryState, EventType
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.tasks import send_on_commit


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=EventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Subscription
        fields = ["name", "url", "event_types", "product", "is_active"]


def _show_secret(secret: str):
    return format_html('Signing secret (shown only this once) <code class="ota-secret">{}</code>', secret)


@admin.register(Subscription)
class SubscriptionAdmin(ObjectActionsMixin, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("__str__", "url", "product", "is_active", "consecutive_failures", "disabled_reason",
                    "created_at")
    list_filter = ("is_active", "product", ("disabled_at", admin.EmptyFieldListFilter))
    list_select_related = ("product",)
    search_fields = ("name", "url")
    readonly_fields = ("consecutive_failures", "disabled_at", "disabled_reason", "created_at")
    object_actions = ("send_test_event", "rotate_secret")

    def save_model(self, request, obj, form, change):
        if change:
            stored = Subscription.objects.get(pk=obj.pk)
            changed = {name: form.cleaned_data[name] for name in form.changed_data}
            services.update_subscription(stored, **changed)
            return
        secret = obj.assign_secret()
        obj.save()
        self.message_user(request, _show_secret(secret), messages.WARNING)

    @object_action("Send test event", available=lambda model_admin, subscription: subscription.is_active)
    def send_test_event(self, request, subscription):
        delivery = services.send_test_event(subscription)
        send_on_commit([delivery])
        self.log_and_report(request, [subscription], f"Sent test event {delivery.event_id}.",
                            f"Test event {delivery.event_id} queued; its delivery is in the log below.")

    @object_action("Rotate secret")
    def rotate_secret(self, request, subscription):
        secret = services.rotate_secret(subscription)
        self.log_change(request, subscription, "Rotated the signing secret.")
        self.message_user(request, _show_secret(secret), messages.WARNING)


class AttemptInline(admin.TabularInline):
    """Each attempt as the worker logged it: never added, changed or deleted by hand."""

    model = Attempt
    fields = ("number", "status_code", "latency_ms", "error", "response_excerpt", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, ObjectActionsMixin, admin.ModelAdmin):
    list_display = ("event_id", "event_type", "subscription", "state_badge", "attempts", "next_attempt_at",
                    "created_at")
    list_filter = ("state", "event__type", "subscription", "created_at")
    list_select_related = ("event", "subscription")
    search_fields = ("event__id", "subscription__url")
    fields = ("event", "subscription", "state", "attempts", "next_attempt_at", "created_at", "finished_at",
              "payload")
    readonly_fields = fields
    inlines = [AttemptInline]
    object_actions = ("redeliver",)

    @admin.display(description="type", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type

    @admin.display(description="state", ordering="state")
    def state_badge(self, delivery):
        return badge(delivery.state, DELIVERY_STATE_COLOURS[delivery.state])

    @admin.display(description="payload")
    def payload(self, delivery):
        return format_html("<pre>{}</pre>", json.dumps(delivery.event.payload, indent=2))

    # Redelivering changes the delivery: the object action's own permission, not the form's.
    def _may_run(self, request, obj, action):
        return request.user.has_perm("webhooks.change_delivery")

    @object_action("Redeliver",
                   available=lambda model_admin, delivery: delivery.state != DeliveryState.PENDING)
    def redeliver(self, request, delivery):
        send_on_commit([services.redeliver(delivery)])
        self.log_and_report(request, [delivery], "Redelivered.",
                            f"Delivery of {delivery.event_id} queued again.")
