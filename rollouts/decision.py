"""Which release a device gets, and why: one list of rules serves ``decide`` and ``explain``.

Rules, in the order ``explain`` lists them (docs/rollouts.md, "The decision"):

1. product — the release belongs to the device's product;
2. release active — not deprecated;
3. file — a verified artifact; a release without any file is offered with its
   specification alone unless skipDispatchingToEndpoint is set; an unverified
   artifact is never offered;
4. strategy — not ``suspended``;
5. rollout state — running or completed (not a draft, paused or aborted);
6. newer version — the device reports the module and runs an older version;
7. source version — the installed version is one the release may be installed
   over (none listed: any);
8. agent version — at least the release's minimum agent version;
9. filters — ``general``: everyone; ``targeted``: at least one filter whose
   rollout date has passed matches the device;
10. phase — the device's stable bucket is inside the current phase's percentage;
11. not done — the device has not already installed, failed, rolled back or
    rejected this release; or it failed or timed out (rolled back too, when the
    rollout says so) and a retry is due: attempts left (``max_attempts``) and
    its back-off over, ``retry_backoff`` doubling with each attempt from the
    moment the attempt ended (docs/rollouts.md, "Retries").

``explain`` also names the maintenance window in force: it never blocks the
offer (outside every window devices download and install later,
rollouts.handling).

Per module the highest eligible version wins. When several modules have an
update, one is offered per check-in, the most urgent first: ``forced`` (and
``timeforced`` past its forced time) before the others, then firmwarePackage,
modulePackage, softwarePackage, then by module name.

``decide`` reads the product's cached policy and at most one query (the
device's updates for the releases still in the running), so its cost does not
depend on the number of devices, releases, filters or rollouts.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from catalog.choices import ArtifactState, PackageType, ReleaseStatus
from catalog.versioning import at_least, version_key
from otaportal.process_caches import RELEASE_CANDIDATES
from rollouts import buckets, conditions, policy, windows
from rollouts.retries import retried, retry_at
from rollouts.conditions import DeviceFacts
from rollouts.models import DONE_STATUSES, DeviceUpdate, RolloutState, Strategy, UpdateType
from rollouts.policy import ReleasePolicy


@dataclass(frozen=True)
class Report:
    """What a device says it runs; given keys are laid over what the portal knows."""

    agent_version: str | None = None
    modules: dict | None = None
    attributes: dict | None = None

    def laid_over(self, device) -> dict:
        """The device's fields this report gives, as they read with the report laid over them.

        Modules and attributes are merged (keys given replace the stored ones, others are
        kept: an operator's attributes survive a device that reports only its own).
        """
        laid = {}
        if self.agent_version is not None:
            laid["agent_version"] = self.agent_version
        if self.modules:
            laid["installed_versions"] = {**(device.installed_versions or {}), **self.modules}
        if self.attributes:
            laid["attributes"] = {**(device.attributes or {}), **self.attributes}
        return laid


@dataclass(frozen=True)
class RuleResult:
    rule: str
    passed: bool
    detail: str


@dataclass
class Subject:
    """The device as the rules see it, with its updates of the releases being considered."""

    facts: DeviceFacts
    updates: dict  # release id (str) -> DeviceUpdate
    now: datetime


def device_facts(device, report: Report | None = None) -> DeviceFacts:
    """The device as the rules see it, with ``report`` laid over what the portal knows of it."""
    laid = (report or Report()).laid_over(device)
    return DeviceFacts.of(device, agent_version=laid.get("agent_version"), attributes=laid.get("attributes"),
                          installed=laid.get("installed_versions"))


# --- the rules -------------------------------------------------------------------------------

def _product(release: ReleasePolicy, subject: Subject):
    if release.product_key != subject.facts.product_key:
        return False, f"the release is for product {release.product_key}, the device is a {subject.facts.product_key}"
    return True, f"product {release.product_key}"


def _active(release: ReleasePolicy, subject: Subject):
    if release.status != ReleaseStatus.ACTIVE:
        return False, f"the release is {release.status}"
    return True, "the release is active"


def _file(release: ReleasePolicy, subject: Subject):
    if release.artifact_id is None:
        if release.skip_dispatching:
            return False, "skipDispatchingToEndpoint is set and no file is uploaded yet"
        return True, "no file: offered with its specification only"
    if release.artifact_state != ArtifactState.VERIFIED:
        return False, f"the artifact is {release.artifact_state}, not verified"
    return True, "the artifact is verified"


def _strategy(release: ReleasePolicy, subject: Subject):
    if release.strategy == Strategy.SUSPENDED:
        return False, "the rollout strategy is suspended: nobody gets it"
    return True, f"the rollout strategy is {release.strategy}"


def _state(release: ReleasePolicy, subject: Subject):
    if release.state == RolloutState.DRAFT:
        return False, "the rollout is a draft: nobody gets it until it is started"
    if release.state not in (RolloutState.RUNNING, RolloutState.COMPLETED):
        reason = f": {release.state_reason}" if release.state_reason else ""
        return False, f"the rollout is {release.state}{reason}"
    return True, f"the rollout is {release.state}"


def _installed(release: ReleasePolicy, subject: Subject):
    return subject.facts.installed.get(release.module)


def _newer(release: ReleasePolicy, subject: Subject):
    installed = _installed(release, subject)
    if not isinstance(installed, str) or not installed:
        return False, f"the device does not report module {release.module}"
    if version_key(installed) >= release.version_key:
        return False, f"the device runs {installed}, not older than {release.version}"
    return True, f"the device runs {installed}, older than {release.version}"


def _source(release: ReleasePolicy, subject: Subject):
    if not release.allowed_sources:
        return True, "the release may be installed over any version"
    installed = _installed(release, subject)
    if installed not in release.allowed_sources:
        allowed = ", ".join(sorted(release.allowed_sources))
        return False, f"{installed or 'nothing'} is not among the source versions {allowed}"
    return True, f"{installed} is an allowed source version"


def _agent(release: ReleasePolicy, subject: Subject):
    if not release.min_agent_version:
        return True, "no minimum agent version"
    agent = subject.facts.agent_version
    if not agent or not at_least(agent, release.min_agent_version):
        return False, f"agent {agent or 'unknown'} is older than the minimum {release.min_agent_version}"
    return True, f"agent {agent} is at least {release.min_agent_version}"


def _filters(release: ReleasePolicy, subject: Subject):
    if release.strategy != Strategy.TARGETED:
        return True, "no filtering: the strategy is not targeted"
    if not release.filters:
        return False, "the rollout is targeted but has no filters"
    waiting = []
    for rule in release.filters:
        if not conditions.matches(rule.conditions, subject.facts):
            continue
        if rule.rollout_date is not None and rule.rollout_date > subject.now:
            waiting.append(f"{rule.name} (from {rule.rollout_date.isoformat()})")
            continue
        return True, f"matches filter {rule.name}"
    if waiting:
        return False, f"matches only filters whose rollout date has not come: {', '.join(waiting)}"
    return False, "matches none of the filters: " + ", ".join(rule.name for rule in release.filters)


def _phase(release: ReleasePolicy, subject: Subject):
    percentage = release.phase_percentage
    bucket = buckets.bucket_of(release.release_id, subject.facts.uid)
    inside = bucket < buckets.buckets_for(percentage)
    where = "inside" if inside else "outside"
    return inside, f"bucket {bucket} of {buckets.BUCKETS} is {where} the current {release.phase_percentage_text} %"


def _not_done(release: ReleasePolicy, subject: Subject):
    update = subject.updates.get(release.release_id)
    if update is None:
        return True, "the device has not been offered it yet"
    if update.status not in DONE_STATUSES:
        return True, f"update {update.pk} is {update.status}"
    if not retried(release, update):
        return False, f"the device already reported {update.status} (update {update.pk})"
    ended = f"attempt {update.attempt} of {release.max_attempts} {update.status}"
    due = retry_at(release, update)
    if due is None:
        return False, f"{ended}: final"
    if due > subject.now:
        return False, f"{ended}: retry {update.attempt + 1} of {release.max_attempts} from {due.isoformat()}"
    return True, f"{ended}: retry {update.attempt + 1} of {release.max_attempts} due since {due.isoformat()}"


# (name, rule): every rule takes (release policy, subject) and answers (passed, why).
RULES = [
    ("product", _product),
    ("release active", _active),
    ("file", _file),
    ("strategy", _strategy),
    ("rollout state", _state),
    ("newer version", _newer),
    ("source version", _source),
    ("agent version", _agent),
    ("filters", _filters),
    ("phase", _phase),
]
# Needs the device's updates, read only for releases that passed every other rule.
LAST_RULE = ("not done", _not_done)


# Rules 1-5 look at the release alone: on the snapshot of the device's own product they hold or fail
# for every device alike, so ``decide`` runs them once per snapshot and only the others per check-in.
RELEASE_RULES = ("product", "release active", "file", "strategy", "rollout state")
_RELEASE_RULE_FUNCTIONS = [rule for name, rule in RULES if name in RELEASE_RULES]
_DEVICE_RULE_FUNCTIONS = [rule for name, rule in RULES if name not in RELEASE_RULES]


def release_facts(release: ReleasePolicy) -> DeviceFacts:
    """A device of the release's product about which nothing else is known: what the release rules need."""
    return DeviceFacts(uid="", product_key=release.product_key)


def _candidates(snapshot: policy.ProductPolicy) -> tuple:
    key = (snapshot.product_id, snapshot.generation)
    cached = RELEASE_CANDIDATES.get(key)
    if cached is not None and cached[0] is snapshot:
        return cached[1]
    candidates = tuple(release for release in snapshot.releases if _passes_release_rules(release))
    RELEASE_CANDIDATES.put(key, (snapshot, candidates))
    return candidates


def _passes_release_rules(release: ReleasePolicy) -> bool:
    subject = Subject(release_facts(release), {}, None)  # these rules never read the time or the updates
    return all(rule(release, subject)[0] for rule in _RELEASE_RULE_FUNCTIONS)


def _passes_device_rules(release: ReleasePolicy, subject: Subject) -> bool:
    for rule in _DEVICE_RULE_FUNCTIONS:  # a plain loop: no generator per release on every check-in
        if not rule(release, subject)[0]:
            return False
    return True


# --- deciding --------------------------------------------------------------------------------

PACKAGE_URGENCY = {PackageType.FIRMWARE: 0, PackageType.MODULE: 1, PackageType.SOFTWARE: 2}


def urgency(release: ReleasePolicy, now: datetime):
    """Sort key: the most urgent module's update first (see the module docstring)."""
    forced = release.update_type == UpdateType.FORCED or (
        release.update_type == UpdateType.TIMEFORCED and release.forced_at is not None and release.forced_at <= now)
    return (
        0 if forced else 1,
        PACKAGE_URGENCY.get(release.package_type, len(PACKAGE_URGENCY)),
        release.module,
    )


@dataclass(frozen=True)
class Decision:
    release: ReleasePolicy
    update: DeviceUpdate | None  # the device's existing update of this release, if any


def updates_of(device, release_ids, carried: dict | None = None) -> dict:
    """The device's updates of these releases: from ``carried`` (its updates read with the device,
    rollouts.prefetch.current_updates) when the caller has them, else one query."""
    if not release_ids or device.pk is None:  # an unsaved device (a simulation) has no updates
        return {}
    if carried is not None:
        return {str(release_id): carried[str(release_id)] for release_id in release_ids
                if str(release_id) in carried}
    rows = DeviceUpdate.objects.filter(device=device, release_id__in=release_ids)
    return {str(update.release_id): update for update in rows}


@dataclass(frozen=True)
class Verdict:
    """``decide``'s answer, and the moment it stops holding for this device with no row changed."""

    decision: Decision | None
    holds_until: datetime | None  # the earliest retry still to come among the updates looked at (None: none)


def earliest(*moments) -> datetime | None:
    """The earliest of the moments given, ignoring None; None when none is given."""
    return min((moment for moment in moments if moment is not None), default=None)


def _eligible(device, report, now, snapshot, carried) -> tuple[dict[str, tuple], datetime | None]:
    snapshot = policy.for_product(device.product_id) if snapshot is None else snapshot
    subject = Subject(device_facts(device, report), {}, now or timezone.now())
    in_running = [release for release in _candidates(snapshot)
                  if _passes_device_rules(release, subject)]
    subject.updates = updates_of(device, [release.release_id for release in in_running], carried)
    per_module: dict[str, list] = {}
    retries = []
    for release in in_running:
        if _not_done(release, subject)[0]:
            per_module.setdefault(release.module, []).append(release)
        elif release.release_id in subject.updates:
            retries.append(retry_at(release, subject.updates[release.release_id]))
    holds_until = earliest(*(moment for moment in retries if moment is not None and moment > subject.now))
    return {module: (releases, subject.updates) for module, releases in per_module.items()}, holds_until


def eligible_per_module(device, report: Report | None = None, now=None,
                        snapshot: policy.ProductPolicy | None = None, carried: dict | None = None
                        ) -> dict[str, tuple]:
    """For each module, the eligible releases highest version first, with the device's updates.

    ``snapshot``: the device's product's policy, when the caller holds it (default: the current one);
    ``carried``: the device's updates read with it (``updates_of``).
    """
    return _eligible(device, report, now, snapshot, carried)[0]


def judge(device, report: Report | None = None, now=None,
          snapshot: policy.ProductPolicy | None = None, carried: dict | None = None) -> Verdict:
    """``decide``, with the moment its answer stops holding for this device: a retry of one of its
    failed updates comes due then (the product's own moments: ``ProductPolicy.holds_until``)."""
    per_module, holds_until = _eligible(device, report, now, snapshot, carried)
    best = [(releases[0], updates) for releases, updates in per_module.values()]
    if not best:
        return Verdict(None, holds_until)
    release, updates = min(best, key=lambda item: urgency(item[0], now or timezone.now()))
    return Verdict(Decision(release, updates.get(release.release_id)), holds_until)


def decide(device, report: Report | None = None, now=None,
           snapshot: policy.ProductPolicy | None = None, carried: dict | None = None) -> Decision | None:
    """The update the device should install next, or None. Writes nothing (see ``eligible_per_module``)."""
    return judge(device, report, now, snapshot, carried).decision


# --- explaining ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Explanation:
    device_uid: str
    release: ReleasePolicy
    results: list  # of RuleResult
    offered: bool  # every rule passed: the device gets this release

    @property
    def failed(self):
        return [result for result in self.results if not result.passed]


def explain(device, release, report: Report | None = None, now=None) -> Explanation:
    """Each rule for this device and release, passed or failed and why, as ``decide`` judges it."""
    release_policy = policy.for_release(release)
    subject = Subject(device_facts(device, report), updates_of(device, [release_policy.release_id]),
                      now or timezone.now())
    results = [RuleResult(name, *rule(release_policy, subject)) for name, rule in RULES + [LAST_RULE]]
    if all(result.passed for result in results):
        results.append(_highest(device, release_policy, report, subject.now))
    # Never blocks the offer: outside every window devices still download (rollouts.handling).
    results.append(RuleResult("maintenance window", True, windows.describe(release_policy.windows, subject.now)))
    return Explanation(device.uid, release_policy, results, all(result.passed for result in results))


def _highest(device, release_policy: ReleasePolicy, report, now) -> RuleResult:
    releases, _ = eligible_per_module(device, report, now).get(release_policy.module, ([], {}))
    higher = [release for release in releases if release.version_key > release_policy.version_key]
    if higher:
        return RuleResult("highest version", False,
                          f"version {higher[0].version} of module {release_policy.module} is eligible too and wins")
    return RuleResult("highest version", True, "no higher version of the module is eligible")

