from django import template

from catalog.services import tuf

register = template.Library()


@register.simple_tag
def tuf_metadata_expiring():
    """Signed TUF files about to expire without a newer version: the admin's index names them."""
    return tuf.expiring_unsigned()
