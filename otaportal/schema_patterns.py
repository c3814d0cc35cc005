"""Python value rules as JSON Schema patterns, so the OpenAPI schema states what validation refuses."""

import re

from django.core.validators import RegexValidator


def json_schema_pattern(rule: RegexValidator | re.Pattern) -> str:
    """The ECMA-262 form of a rule anchored with ``\\Z`` (Python's end of text, which JSON Schema spells ``$``)."""
    regex = rule.regex if isinstance(rule, RegexValidator) else rule
    return regex.pattern.replace(r"\Z", "$")
