"""Structured editors over JSON form fields, as progressive enhancement of the plain textarea.

Each widget renders the very textarea the JSONFormField reads, so the form posts the
same JSON and the same validators judge it, with or without JavaScript. Around it
goes an element naming the editor that static/editors/editors.js builds in its
place (key/value rows, a list, a version picker, the condition builder of the
rollouts admin), with what that editor needs to know as JSON in ``data-ota-config``,
and a read-only table of the current value for a page seen without JavaScript.
"""

import json

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

EDITOR_MEDIA = forms.Media(css={"all": ["editors/editors.css"]}, js=["editors/editors.js"])


def parsed_json(value):
    """The value the textarea shows, parsed; None when it is empty, not JSON, or nested too deep to read
    (the form field answers that with its own error: otaportal.json_limits.JSONFormField)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def scalar_text(value) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def key_value_table(mapping, empty="none", key_label="key", value_label="value"):
    """A two-column table of a JSON object's keys and values (nested values as JSON text)."""
    if not isinstance(mapping, dict) or not mapping:
        return format_html('<p class="ota-kv-empty">{}</p>', empty)
    rows = format_html_join("", "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                            ((key, scalar_text(value)) for key, value in sorted(mapping.items())))
    return format_html('<table class="ota-kv-table"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
                       "</tr></thead><tbody>{}</tbody></table>", key_label, value_label, rows)


class StructuredJSONWidget(forms.Textarea):
    """The textarea of a JSON field, which ``editor`` (static/editors/editors.js) replaces in the browser."""

    editor = ""

    def __init__(self, attrs=None, config: dict | None = None):
        super().__init__({"rows": 6, "cols": 80, "class": "vLargeTextField", **(attrs or {})})
        self.config = config or {}

    @property
    def media(self):
        return EDITOR_MEDIA

    def read_only_view(self, value):
        """HTML showing the current value, replaced by the editor when JavaScript runs."""
        return mark_safe("")

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        return format_html(
            '<div class="ota-editor" data-ota-editor="{}" data-ota-config="{}">'
            '<div class="ota-editor-static">{}</div>{}</div>',
            self.editor, json.dumps(self.config), self.read_only_view(parsed_json(value)), textarea,
        )


class KeyValueWidget(StructuredJSONWidget):
    """A flat JSON object edited as rows of key, type and value (nested objects stay plain JSON)."""

    editor = "keyvalue"

    def read_only_view(self, value):
        return key_value_table(value)


class StringListWidget(StructuredJSONWidget):
    """A JSON list of strings (tags) edited one row per item."""

    editor = "list"

    def read_only_view(self, value):
        if not isinstance(value, list) or not value:
            return format_html('<p class="ota-kv-empty">{}</p>', "none")
        return format_html('<ul class="ota-chips">{}</ul>',
                           format_html_join("", "<li>{}</li>", ((scalar_text(item),) for item in value)))


class VersionPickerWidget(StructuredJSONWidget):
    """A JSON list of versions picked from ``config["versions"]`` (by module id), or typed in.

    ``config["module_field"]`` names the form's module select: the picker offers the
    versions of the module chosen there.
    """

    editor = "versions"

    def read_only_view(self, value):
        if not value:
            return format_html('<p class="ota-kv-empty">{}</p>', "any version")
        return format_html('<ul class="ota-chips">{}</ul>',
                           format_html_join("", "<li>{}</li>", ((scalar_text(item),) for item in value)))
