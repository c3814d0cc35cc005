"""Fields of the device registry API whose schema states the registry's rules (devices/validators.py).

OpenAPI 3.0 has no keyword for the names of an object's keys: their rule is stated in the description.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.validators import module_name_validator, version_validator
from devices.validators import ATTRIBUTE_KEY_PATTERN, MAX_ATTRIBUTES, MAX_TAGS, TAG_PATTERN
from otaportal.schema_patterns import json_schema_pattern


@extend_schema_field({"type": "object", "maxProperties": MAX_ATTRIBUTES,
                      "description": f"Names match {json_schema_pattern(ATTRIBUTE_KEY_PATTERN)}."})
class AttributesField(serializers.DictField):
    """Free attributes, checked by the registry."""


@extend_schema_field({"type": "array", "maxItems": MAX_TAGS,
                      "items": {"type": "string", "pattern": json_schema_pattern(TAG_PATTERN)}})
class TagsField(serializers.ListField):
    """Tags, checked by the registry."""


@extend_schema_field({"type": "object",
                      "description": f"Module names match {json_schema_pattern(module_name_validator)}.",
                      "additionalProperties": {"type": "string", "pattern": json_schema_pattern(version_validator)}})
class InstalledVersionsField(serializers.DictField):
    """Installed version per module name, checked by the registry."""
