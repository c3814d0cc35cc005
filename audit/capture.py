"""Change capture with Django's signals: each audited save or delete becomes one chained entry.

Only writes made inside an audit context with a surface (admin, management API,
command) are recorded, so device traffic and Celery tasks write nothing here. The
entry is written by the signal, so it shares the change's transaction whenever the
change runs in one: every domain transition does, and the audit middleware runs the
admin's and the management API's writing requests in one.
"""

import hashlib
import json
from contextvars import ContextVar

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from audit import chain
from audit.models import Action
from audit.products import product_key_of
from otaportal import audit_context

AUDITED_APPS = ("auth", "catalog", "devices", "rollouts", "webhooks", "approvals")
# Outbox rows the webhooks app keeps its own log of; permissions are written by migrations.
NOT_AUDITED = frozenset({"webhooks.webhookevent", "webhooks.delivery", "webhooks.attempt", "auth.permission"})
# Written on every login or use, or by Django itself on every save: a change of these alone is no entry.
IGNORED_FIELDS = frozenset({"updated_at", "last_login", "last_used_at"})
SECRET_NAME_PARTS = ("password", "digest", "secret", "private")
SECRET = "<secret>"
# Values larger than this (as JSON) are recorded by size and SHA-256, not in full.
MAX_VALUE_BYTES = 2048

# The rows as they were before the saves under way, by (model label, pk): read by post_save.
_before_save: ContextVar[dict | None] = ContextVar("audit_before_save", default=None)


def audited(model) -> bool:
    return model._meta.app_label in AUDITED_APPS and model._meta.label_lower not in NOT_AUDITED


def _is_secret(field) -> bool:
    return isinstance(field, models.BinaryField) or any(part in field.name for part in SECRET_NAME_PARTS)


def _plain(value):
    """A JSON value that reads back the same from PostgreSQL's jsonb (floats are kept as text)."""
    value = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _recorded(field, value):
    if value is None:
        return None
    if _is_secret(field):
        return SECRET
    encoded = json.dumps(value, cls=DjangoJSONEncoder)
    if len(encoded) > MAX_VALUE_BYTES:
        return {"bytes": len(encoded), "sha256": hashlib.sha256(encoded.encode()).hexdigest()}
    return _plain(value)


def _fields(model):
    return [field for field in model._meta.concrete_fields if field.name not in IGNORED_FIELDS]


def _values(instance) -> dict:
    return {field.attname: _recorded(field, field.value_from_object(instance))
            for field in _fields(type(instance))}


def _stored_values(model, pk) -> dict | None:
    fields = _fields(model)
    row = model._base_manager.filter(pk=pk).values(*[field.attname for field in fields]).first()
    if row is None:
        return None
    return {field.attname: _recorded(field, row[field.attname]) for field in fields}


def _differences(before: dict, after: dict) -> dict:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def _record(instance, action: str, changes: dict) -> None:
    context = audit_context.current()
    user = context.user if context.user is not None and context.user.is_authenticated else None
    chain.append(
        surface=context.surface, actor=user.get_username() if user else context.actor_label,
        actor_id=user.pk if user else None, credential=context.credential,
        client_address=context.client_address,
        object_type=instance._meta.label_lower, object_id=str(instance.pk), object_repr=str(instance)[:200],
        product=product_key_of(instance), action=action, changes=changes,
    )


def _capturing(sender, raw=False) -> bool:
    return not raw and audit_context.current().surface is not None and audited(sender)


def before_save(sender, instance, raw=False, **kwargs):
    if not _capturing(sender, raw) or instance._state.adding or instance.pk is None:
        return
    pending = _before_save.get()
    if pending is None:
        pending = {}
        _before_save.set(pending)
    pending[(sender._meta.label_lower, str(instance.pk))] = _stored_values(sender, instance.pk)


def after_save(sender, instance, created, raw=False, **kwargs):
    if not _capturing(sender, raw):
        return
    pending = _before_save.get() or {}
    before = pending.pop((sender._meta.label_lower, str(instance.pk)), None)
    # Read back as stored, as "before" was: an instance may hold 0 where the database holds Decimal("0.00").
    after = _stored_values(sender, instance.pk) or _values(instance)
    if created or before is None:
        _record(instance, Action.CREATE, _differences({}, after))
        return
    changes = _differences(before, after)
    if changes:
        _record(instance, Action.UPDATE, changes)


def after_delete(sender, instance, **kwargs):
    if _capturing(sender):
        _record(instance, Action.DELETE, {name: [value, None] for name, value in _values(instance).items()
                                          if value is not None})


def after_bulk_create(sender, instances, **kwargs):
    """Rows written with ``bulk_create`` (announced through ``audit_context.rows_created``), each as created."""
    if not _capturing(sender):
        return
    for instance in instances:
        _record(instance, Action.CREATE, _differences({}, _values(instance)))


def _relations_receiver(field_name: str):
    """Users' groups and permissions, groups' permissions: the related rows added or removed, by key."""

    def relations_changed(sender, instance, action, model, pk_set, reverse, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear") or not _capturing(type(instance)):
            return
        # Changed from the other side (group.user_set.add(user)), the entry is the group's.
        name = f"{model._meta.label_lower}.{field_name}" if reverse else field_name
        verb = {"post_add": "added", "post_remove": "removed", "post_clear": "cleared"}[action]
        _record(instance, Action.UPDATE, {name: {verb: sorted(str(pk) for pk in pk_set or ())}})

    return relations_changed


def connect() -> None:
    audit_context.rows_created.connect(after_bulk_create, dispatch_uid="audit.rows_created")
    for model in apps.get_models():
        if not audited(model):
            continue
        uid = f"audit.{model._meta.label_lower}"
        pre_save.connect(before_save, sender=model, dispatch_uid=f"{uid}.pre_save")
        post_save.connect(after_save, sender=model, dispatch_uid=f"{uid}.post_save")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"{uid}.post_delete")
        for field in model._meta.many_to_many:
            if field.remote_field.through._meta.auto_created:
                m2m_changed.connect(_relations_receiver(field.name), sender=field.remote_field.through,
                                    weak=False, dispatch_uid=f"{uid}.{field.name}.m2m")
