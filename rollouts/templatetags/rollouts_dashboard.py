from django import template

from rollouts.admin.dashboard import dashboard_context

register = template.Library()


@register.simple_tag(takes_context=True)
def console_dashboard(context):
    """The admin index's dashboard sections for the user viewing it (rollouts/admin/dashboard.py)."""
    return dashboard_context(context["request"])
