"""How a rollout delivers its release: the options beside who gets it (strategy, filters, phases).

The action type and its forced time, the progress timeouts, retries, the rate
budget and user consent are plain fields of the rollout; ``clean`` checks the
values given one by one with the fields' own validators, ``check_together``
what only holds of them together. rollouts.services.transitions.set_policy
applies them; docs/rollouts.md describes each.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError

from rollouts.models import LONGEST_TIMEOUT, SHORTEST_TIMEOUT, Rollout, UpdateType

FIELDS = ("skip_dispatching_to_endpoint", "update_type", "forced_at", "download_timeout", "install_timeout",
          "max_attempts", "retry_backoff", "retry_rolled_back", "offers_per_minute", "rate_growth_factor",
          "rate_growth_every", "requires_confirmation")
TIMEOUTS = ("download_timeout", "install_timeout")


def clean(rollout: Rollout, values: dict) -> dict:
    """The values, each cleaned by its field; a ValidationError names every field refused."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"Not delivery options: {', '.join(sorted(unknown))}")
    cleaned, errors = {}, {}
    for name, value in values.items():
        try:
            cleaned[name] = _clean_timeout(value, name) if name in TIMEOUTS else (
                Rollout._meta.get_field(name).clean(value, rollout))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_timeout(value, name) -> timedelta | None:
    """A progress timeout (rollouts.services.timeouts): None for never, else within the model's bounds."""
    if value is None:
        return None
    if not isinstance(value, timedelta) or not SHORTEST_TIMEOUT <= value <= LONGEST_TIMEOUT:
        raise ValidationError(f"Give a duration from {SHORTEST_TIMEOUT} to {LONGEST_TIMEOUT.days} days, "
                              "or nothing for no timeout.")
    return value


def check_together(rollout: Rollout) -> None:
    """What the options must say together once applied; a ValidationError names the field to fix."""
    errors = {}
    if rollout.update_type == UpdateType.TIMEFORCED and rollout.forced_at is None:
        errors["forced_at"] = ["A time-forced rollout needs the moment it becomes forced."]
    if (rollout.rate_growth_factor is None) != (rollout.rate_growth_every is None):
        errors["rate_growth_every"] = ["Give the growth factor and the successes per step together, or neither."]
    if rollout.rate_growth_factor is not None and rollout.offers_per_minute is None:
        errors["offers_per_minute"] = ["An exponential rate grows a budget: give the offers per minute too."]
    if errors:
        raise ValidationError(errors)


def describe(rollout: Rollout) -> str:
    """The options that differ from the defaults, as the rollout's event says them."""
    parts = [f"action type {rollout.update_type}"
             + (f" (forced from {rollout.forced_at.isoformat()})" if rollout.update_type == UpdateType.TIMEFORCED
                else "")]
    parts += [f"{name} timeout {limit}" for name, limit in
              (("download", rollout.download_timeout), ("install", rollout.install_timeout)) if limit]
    if rollout.max_attempts > 1:
        parts.append(f"up to {rollout.max_attempts} attempts, back-off {rollout.retry_backoff}"
                     + (" (rolled back too)" if rollout.retry_rolled_back else ""))
    if rollout.offers_per_minute is not None:
        growth = (f", ×{rollout.rate_growth_factor.normalize():f} every {rollout.rate_growth_every} successes"
                  if rollout.rate_growth_factor is not None else "")
        parts.append(f"at most {rollout.offers_per_minute} new offers a minute{growth}")
    if rollout.requires_confirmation:
        parts.append("asks for the device's confirmation")
    return "; ".join(parts)
