from django import template

from webhooks.models import Subscription

register = template.Library()


@register.simple_tag
def disabled_webhook_subscriptions():
    """Subscriptions the portal disabled after failed messages: the admin's index names them."""
    disabled = Subscription.objects.filter(is_active=False, disabled_at__isnull=False)
    return list(disabled.only("pk", "name", "url", "disabled_reason"))
