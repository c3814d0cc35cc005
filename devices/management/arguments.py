"""Parsing of the commands' repeated ``NAME=VALUE`` options (``--module``, ``--attr``)."""

import argparse


def name_value(text: str) -> tuple[str, str]:
    """argparse type for ``NAME=VALUE``."""
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: use NAME=VALUE")
    return name.strip(), value.strip()
