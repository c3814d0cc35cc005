"""A device's stable place in a release's rollout: a bucket from 0 to 9999.

The bucket is a hash of the release id and the device uid, so a device's
membership in a phase's percentage never changes while the percentage grows,
and starting or widening a rollout writes nothing per device. Python (the
decision) and PostgreSQL (dry runs) compute the same number: the first 8 hex
digits of MD5("<release id>:<uid>") read as an unsigned 32-bit integer, modulo
10,000. MD5 is used for spreading, not for security.
"""

import hashlib
from decimal import Decimal
from functools import lru_cache

from django.db.models import CharField, Func, IntegerField, Value
from django.db.models.functions import Concat

BUCKETS = 10_000


def bucket_of(release_id, uid: str) -> int:
    digest = hashlib.md5(f"{release_id}:{uid}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % BUCKETS


@lru_cache(maxsize=1024)  # a handful of phase percentages, read for every release on every check-in
def buckets_for(percentage) -> int:
    """How many buckets a percentage covers: 1 % is 100 buckets, 0.01 % is one."""
    return int(Decimal(str(percentage)) * BUCKETS / 100)


class StableBucket(Func):
    """``bucket_of(release_id, uid)`` in PostgreSQL, over a Device queryset's ``uid``."""

    output_field = IntegerField()
    template = "mod(('x' || substr(md5(%(expressions)s), 1, 8))::bit(32)::bigint, " + str(BUCKETS) + ")"

    def __init__(self, release_id, uid_field="uid"):
        super().__init__(Concat(Value(f"{release_id}:"), uid_field, output_field=CharField()))
