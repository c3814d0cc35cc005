"""The product an audited object belongs to, so the log can be filtered by product."""

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist

from catalog.models import Product

# How each kind of object reaches its product, tried in order: the first relation the model has wins.
PRODUCT_PATHS = (
    ("product",),
    ("release", "product"),
    ("rollout", "release", "product"),
    ("device", "product"),
    ("module", "product"),
    ("update", "device", "product"),
)


def _has_relation(model, name: str) -> bool:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.many_to_one or field.one_to_one and field.concrete


def product_key_of(instance) -> str:
    """The key of the object's product, or "" when it has none (users, filters, a product-wide webhook).

    A relation left empty is passed over for the next path: a maintenance window belongs to a
    product or to a rollout.
    """
    if isinstance(instance, Product):
        return instance.key
    for path in PRODUCT_PATHS:
        if not _has_relation(type(instance), path[0]):
            continue
        related = instance
        try:
            for name in path:
                related = getattr(related, name)
                if related is None:
                    break
        except ObjectDoesNotExist:  # deleted in the same transaction, before this object
            return ""
        if related is not None:
            return related.key
    return ""
