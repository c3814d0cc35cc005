"""A device's request: who it is, whether it may ask now, and what it was last answered.

``open_session`` builds a ``DeviceSession`` once per request from the device token,
with ONE round trip to the edge store (otaportal.edge): the per-device rate limit,
the address's bad-credential count, the device's kept session (its identity and
the answers it was last given), the device's stamp and its product's policy
generation. The session is then passed, as an argument, to what decides and answers.

The idle path: when the kept session's token stamp is current, the device is known
without the database; when an answer remembered for the same request (``fingerprint``)
was given under the device's current stamp and its product's current policy
generation, and has not expired, it is given again (``idle_answer``): no SQL, no
write. Anything that changes what a device is answered bumps a stamp once its
transaction commits (``forget_devices``, ``forget_tokens``; the policy generation:
rollouts.policy), so the next request on any process or host takes the full path.

Race-free by order: stamps are read before the database, and what is kept carries
the stamps read then. A change that commits in between leaves the kept data stale
at once, never the reverse. So an answer is remembered only when the device's stamp
was read before the device was (a kept session existed), and a session is kept with
the token stamp read before the token was checked.
"""

import hmac
import json
import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings

from catalog import secrets
from devices import tokens
from devices.models import Device
from otaportal.edge import store
from otaportal.last_use import use_value
from otaportal.ratelimit import Verdict, retry_after


@dataclass(frozen=True)
class Answer:
    """A response remembered for a device's idle requests."""

    status: int
    body: str  # the JSON text ("" for no content)
    etag: str = ""


@dataclass(frozen=True)
class DeviceSession:
    prefix: str  # the token's lookup prefix: the session's key
    device_id: int
    product_id: int
    uid: str
    requests: Verdict  # the device's requests this window
    address: Verdict  # the bad credentials its address sent this window
    tokstamp: str  # read before the token was checked
    devstamp: str | None  # read before the device was (None: it was not, nothing may be remembered)
    generation: str | None  # the product's policy generation, read with the stamps (None: not read)
    remembered: dict = field(default_factory=dict)  # surface -> its remembered answer's JSON
    device: Device | None = None  # loaded from the database (None on the idle path)


def open_session(plaintext: str, address: str, seen_from: str | None, devices, now: float | None = None
                 ) -> DeviceSession | None:
    """The session of the device owning this token, or None for a token that is not an active device's.

    ``devices``: the queryset the token is looked up in when the database must be asked
    (a view annotates there what it needs in the same query).
    """
    prefix = secrets.prefix_of(plaintext or "", Device.TOKEN_KIND)
    if prefix is None:
        return None
    now = time.time() if now is None else now
    digest, seen = secrets.digest_of(plaintext), use_value(now, seen_from)
    admission = store().admit(prefix, digest, address, seen, now)
    kept = admission.session
    limits = _limits(admission.failures, now)
    if kept and kept.get("tokstamp") == admission.tokstamp and hmac.compare_digest(kept["digest"], digest):
        return DeviceSession(
            prefix, int(kept["id"]), int(kept["product"]), kept["uid"], _rate(admission.requests, now), limits,
            admission.tokstamp, admission.devstamp, admission.generation,
            {name[len(ANSWER):]: value for name, value in kept.items() if name.startswith(ANSWER)})
    device = tokens.authenticate(plaintext, devices)
    if device is None:
        return None
    identity = {"id": device.pk, "product": device.product_id, "uid": device.uid, "digest": digest,
                "tokstamp": admission.tokstamp}
    requests = store().count_request(device.pk, seen, now,
                                     session=(prefix, identity, settings.OTA_DEVICE_SESSION_SECONDS))
    # The device's stamp is usable only if it was read before the device: with the same product.
    same_product = bool(kept) and kept.get("product") == str(device.product_id)
    return DeviceSession(prefix, device.pk, device.product_id, device.uid, _rate(requests, now), limits,
                         admission.tokstamp, admission.devstamp if same_product else None,
                         admission.generation if same_product else None, device=device)


def _rate(requests: int, now: float) -> Verdict:
    return Verdict(requests <= settings.OTA_DEVICE_RATE_LIMIT, requests, retry_after(now))


def _limits(failures: int, now: float) -> Verdict:
    return Verdict(failures < settings.OTA_AUTH_FAILURE_LIMIT, failures, retry_after(now))


def load_device(session: DeviceSession, devices) -> DeviceSession | None:
    """The session with its device read from ``devices`` (one query), when the idle path could not answer;
    None when the device was deactivated or deleted since its token stamp was read.

    A session opened through the database carries its device already and is returned as is.
    """
    if session.device is not None:
        return session
    device = devices.select_related("product").filter(pk=session.device_id, is_active=True).order_by().first()
    if device is None:
        return None
    if device.product_id != session.product_id:  # moved since: what was read for the old product does not hold
        return replace(session, device=device, product_id=device.product_id, devstamp=None, generation=None)
    return replace(session, device=device)


def device_session(device: Device, address: str, seen_from: str | None, now: float | None = None) -> DeviceSession:
    """The session of a device authenticated otherwise (a hawkBit gateway token): counted and seen, nothing kept."""
    now = time.time() if now is None else now
    requests = store().count_request(device.pk, use_value(now, seen_from), now)
    limits = _limits(store().failures(address, now), now)
    return DeviceSession("", device.pk, device.product_id, device.uid, _rate(requests, now), limits, "0", None, None,
                         device=device)


# --- remembered answers ----------------------------------------------------------------------

ANSWER = "answer:"


def idle_answer(session: DeviceSession, surface: str, fingerprint: str, now: float | None = None) -> Answer | None:
    """The answer remembered for this request, if nothing it depends on changed since."""
    text = session.remembered.get(surface)
    if text is None or session.devstamp is None:
        return None
    kept = json.loads(text)
    now = time.time() if now is None else now
    if (kept["fingerprint"], kept["devstamp"], kept["generation"]) != (fingerprint, session.devstamp,
                                                                         session.generation):
        return None
    if kept["expires"] <= now:
        return None
    return Answer(kept["status"], kept["body"], kept["etag"])


def remember(session: DeviceSession, surface: str, fingerprint: str, answer: Answer, generation: str,
             until: datetime | None = None, now: float | None = None) -> bool:
    """Keep ``answer`` for the device's next identical request; whether it could be kept.

    ``generation``: the policy generation the answer was decided under; ``until``: when
    the answer stops holding whatever happens (a filter's rollout date), if it does.
    """
    if session.devstamp is None or not store().keeps_sessions:
        return False
    now = time.time() if now is None else now
    expires = now + settings.OTA_IDLE_ANSWER_SECONDS
    if until is not None:
        expires = min(expires, until.timestamp())
    kept = {"fingerprint": fingerprint, "devstamp": session.devstamp, "generation": generation,
            "expires": expires, "status": answer.status, "body": answer.body, "etag": answer.etag}
    store().keep_session(session.prefix, {ANSWER + surface: json.dumps(kept, separators=(",", ":"))},
                         settings.OTA_DEVICE_SESSION_SECONDS)
    return True
