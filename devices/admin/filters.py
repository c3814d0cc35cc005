"""List filters of the device admin: each one a condition an index answers at a million devices."""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from catalog.models import Release
from catalog.validators import module_name_validator, version_validator
from devices.filtersets import attribute_equals, has_installed, has_tag
from devices.validators import ATTRIBUTE_KEY_PATTERN, TAG_PATTERN


class LastSeenFilter(admin.SimpleListFilter):
    """When the device last called, in the buckets operators ask about (each one range on an index)."""

    title = "last seen"
    parameter_name = "seen"
    BUCKETS = {
        "hour": ("Within an hour", {"last_seen_at__gte": timedelta(hours=1)}),
        "day": ("Within a day", {"last_seen_at__gte": timedelta(days=1)}),
        "day+": ("Over a day ago", {"last_seen_at__lt": timedelta(days=1)}),
        "week+": ("Over a week ago", {"last_seen_at__lt": timedelta(days=7)}),
    }

    def lookups(self, request, model_admin):
        return [*((key, label) for key, (label, _) in self.BUCKETS.items()), ("never", "Never")]

    def queryset(self, request, queryset):
        if self.value() == "never":
            return queryset.filter(last_seen_at__isnull=True)
        if self.value() in self.BUCKETS:
            (lookup, age), = self.BUCKETS[self.value()][1].items()
            return queryset.filter(**{lookup: timezone.now() - age})
        return queryset


class TypedValueFilter(admin.SimpleListFilter):
    """A list filter the user types a value into (a tag, ``key=value``…) instead of picking one.

    Rendered as a small GET form that keeps the list's other parameters. A value
    that does not parse, or is longer than ``max_length``, is refused the admin's
    way (IncorrectLookupParameters sends the user back to the list with ``?e=1``)
    with a message saying what was wrong.
    """

    template = "admin/devices/device/typed_filter.html"
    max_length = 200
    placeholder = ""
    hint = ""

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def suggestions(self) -> list[str]:
        """Values offered as the user types (an HTML datalist); none by default."""
        return []

    def choices(self, changelist):
        # The search, the ordering and the other filters stay as they are (not the page: a new list).
        kept = [(name, value) for name, values in changelist.filter_params.items()
                if name != self.parameter_name for value in values]
        yield {"parameter": self.parameter_name, "value": self.value() or "", "kept": kept,
               "placeholder": self.placeholder, "hint": self.hint, "suggestions": self.suggestions(),
               "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
               "max_length": self.max_length}

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        try:
            if len(value) > self.max_length:
                raise ValidationError(f"at most {self.max_length} characters.")
            return queryset.filter(self.condition(value))
        except ValidationError as error:
            # The admin answers with the list and ?e=1, which says nothing: the message says what was wrong.
            problem = f"Filter by {self.title}: {' '.join(error.messages)}"
            messages.error(request, problem)
            raise IncorrectLookupParameters(problem) from None

    def condition(self, value: str) -> Q:
        raise NotImplementedError


def _pair(value: str, example: str) -> tuple[str, str]:
    key, separator, text = value.partition("=")
    if not separator or not key.strip():
        raise ValidationError(f"{value!r}: use {example}.")
    return key.strip(), text.strip()


class TagFilter(TypedValueFilter):
    title = "tag"
    parameter_name = "tag"
    placeholder = "beta"
    hint = "Devices carrying this tag."

    def condition(self, value):
        if not TAG_PATTERN.match(value):
            raise ValidationError("a tag is 1 to 64 letters, digits, _ . : or -.")
        return has_tag(value)


class AttributeFilter(TypedValueFilter):
    title = "attribute"
    parameter_name = "attr"
    placeholder = "region=eu"
    hint = "KEY=VALUE; a number or true/false also matches that JSON value."

    def condition(self, value):
        key, text = _pair(value, "KEY=VALUE, e.g. region=eu")
        if not ATTRIBUTE_KEY_PATTERN.match(key):
            raise ValidationError(f"{key!r} is not an attribute name.")
        return attribute_equals(key, text)


class InstalledVersionFilter(TypedValueFilter):
    title = "installed version"
    parameter_name = "installed"
    placeholder = "default=1.0.0"
    hint = "MODULE=VERSION the device reported."
    suggested_releases = 100

    def suggestions(self):
        releases = (Release.objects.order_by("module__name", "-version_key")
                    .values_list("module__name", "version").distinct()[: self.suggested_releases])
        return [f"{module}={version}" for module, version in releases]

    def condition(self, value):
        module, version = _pair(value, "MODULE=VERSION, e.g. default=1.0.0")
        for validator, text in ((module_name_validator, module), (version_validator, version)):
            validator(text)
        return has_installed(module, version)
