"""Value rules of a device's free attributes and tags, shared by the model, the API and the commands."""

import json
import re

from django.core.exceptions import ValidationError

from otaportal import json_limits

MAX_ATTRIBUTES = 64
MAX_ATTRIBUTES_BYTES = 8192
MAX_TAGS = 64
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}\Z")
ATTRIBUTE_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}\Z")


def validate_attributes(value):
    if not isinstance(value, dict):
        raise ValidationError("Give a JSON object of attributes.")
    # First: the size check below serialises the value, which must not recurse too deep.
    json_limits.check(value, json_limits.field_limits(), "attributes")
    if len(value) > MAX_ATTRIBUTES:
        raise ValidationError(f"At most {MAX_ATTRIBUTES} attributes are allowed.")
    for key in value:
        if not isinstance(key, str) or not ATTRIBUTE_KEY_PATTERN.match(key):
            raise ValidationError(
                f"Attribute name {key!r}: use 1 to 64 letters, digits, underscores, hyphens or periods."
            )
    if len(json.dumps(value)) > MAX_ATTRIBUTES_BYTES:
        raise ValidationError(f"Attributes take at most {MAX_ATTRIBUTES_BYTES} bytes as JSON.")


def validate_tags(value):
    if not isinstance(value, list):
        raise ValidationError("Give a list of tags.")
    if len(value) > MAX_TAGS:
        raise ValidationError(f"At most {MAX_TAGS} tags are allowed.")
    for tag in value:
        if not isinstance(tag, str) or not TAG_PATTERN.match(tag):
            raise ValidationError(
                f"Tag {tag!r}: use 1 to 64 letters, digits, underscores, hyphens, periods or colons."
            )


def validate_installed_versions(value):
    from catalog.validators import module_name_validator, version_validator

    if not isinstance(value, dict):
        raise ValidationError('Give a JSON object of module names and versions, e.g. {"default": "1.0.0"}.')
    for module, version in value.items():
        if not isinstance(version, str):
            raise ValidationError(f"Module {module!r}: the version must be a string.")
        try:
            module_name_validator(module)
            version_validator(version)
        except ValidationError as error:
            raise ValidationError(f"Module {module!r} = {version!r}: {' '.join(error.messages)}") from None
