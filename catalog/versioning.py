"""A total order over version strings, usable both in Python and in SQL.

Rules (README, "Version order"):

1. One leading ``v`` or ``V`` is ignored: ``V2.0`` orders as ``2.0``.
2. A valid Semantic Versioning 2.0 string orders by SemVer precedence:
   ``1.9.0 < 1.10.0``, ``1.3.0-rc.1 < 1.3.0``, build metadata is ignored.
3. Any other string that starts with a digit is read as dotted numbers followed
   by an optional suffix: ``2024.11.3`` is the numbers (2024, 11, 3). Missing
   trailing numbers count as zero (``2.0`` has the precedence of ``2.0.0``). A
   suffix (``1.0rc1``, ``2.0-beta_2``) is split at ``.-_`` and at digit/letter
   boundaries and orders as a SemVer pre-release, so it sorts before the bare
   numbers.
4. Strings without a leading number (``latest``) sort before every numbered
   version, among themselves by text.
5. Versions of equal precedence (``2.0`` and ``2.0.0``, ``1.0.0+a`` and
   ``1.0.0+b``) are ordered by their text, which makes the order total.

``version_key`` encodes rules 1–4 as an ASCII string whose byte order is the
precedence order, stored beside each version so that the database can sort and
compare versions with an index (compare it with the "C" collation). Rule 5 is the
second key of every ordering of releases (``Release.Meta.ordering``: version key,
then version).
"""

import re
from functools import lru_cache

import semver

_LOOSE = re.compile(r"(?P<numbers>\d+(?:\.\d+)*)(?P<suffix>.*)", re.DOTALL)
_SUFFIX_SPLIT = re.compile(r"[.\-_]+|(?<=\d)(?=\D)|(?<=\D)(?=\d)")


def _encode_number(value: int) -> str:
    digits = str(value)
    return f"{len(digits):02d}{digits}"


def _encode_prerelease(identifiers: list[str]) -> str:
    # Numeric identifiers sort before alphanumeric ones; "!" ends each one so that
    # a shorter identifier sorts first, and " " ends the list so that fewer
    # identifiers sort first (SemVer 11.4).
    parts = []
    for identifier in identifiers:
        if identifier.isdigit():
            parts.append("1" + _encode_number(int(identifier)) + "!")
        else:
            parts.append("2" + identifier + "!")
    return "".join(parts) + " "


def _strip_v(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") and version[1:2].isdigit() else version


def _numbers_and_prerelease(version: str) -> tuple[list[int], list[str]] | None:
    text = _strip_v(version.strip())
    try:
        parsed = semver.Version.parse(text)
    except ValueError:
        match = _LOOSE.fullmatch(text.split("+", 1)[0])
        if match is None:
            return None
        numbers = [int(part) for part in match["numbers"].split(".")]
        suffix = [part for part in _SUFFIX_SPLIT.split(match["suffix"]) if part]
        return numbers, suffix
    prerelease = parsed.prerelease.split(".") if parsed.prerelease else []
    return [parsed.major, parsed.minor, parsed.patch], prerelease


@lru_cache(maxsize=8192)
def version_key(version: str) -> str:
    """The sort key of ``version``: equal keys mean equal precedence."""
    parsed = _numbers_and_prerelease(version)
    if parsed is None:
        return "0" + version.strip()
    numbers, prerelease = parsed
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    # "." ends the numbers below any digit, so 1.2 < 1.2.1; "a" (pre-release)
    # sorts below "z" (final release), so 1.3.0-rc.1 < 1.3.0.
    key = "1" + "".join(_encode_number(n) for n in numbers) + "."
    return key + ("a" + _encode_prerelease(prerelease) if prerelease else "z")


def at_least(version: str, minimum: str) -> bool:
    """True when ``version`` has the precedence of ``minimum`` or higher (blank minimum: always)."""
    return not minimum or version_key(version) >= version_key(minimum)
