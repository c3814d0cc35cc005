"""The rollouts list as an overview: phase from 1, share installed, success and failure rates, pause reason."""

import html as html_text
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollouts.models import UpdateStatus
from rollouts.services import transitions
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
S = UpdateStatus
LIST = reverse("admin:rollouts_rollout_changelist")


def cells_of(response, rollout) -> dict:
    """The list's row of ``rollout`` as {column: text}, charts left out."""
    content = response.content.decode()
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", content, re.S) if f"/{rollout.pk}/" in row)
    cells = re.findall(r'<t[dh] class="field-([a-z_]+)[^"]*">(.*?)</t[dh]>', row, re.S)
    def text(html):
        without_charts = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
        return html_text.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", without_charts)).strip())

    return {name: text(html) for name, html in cells}


def test_each_rollout_shows_its_phase_from_1_its_share_installed_and_its_rates(admin_client, running, updates_of):
    updates_of(running, S.COMMITTED, count=3)
    updates_of(running, S.FAILED, count=1)
    updates_of(running, S.DOWNLOADING, count=4)

    cells = cells_of(admin_client.get(LIST), running)

    assert cells["state_and_reason"] == "running general"
    assert cells["phase"] == "1 of 2 (10 %)"
    assert cells["progress"] == "38 % of 8"
    assert cells["outcome_rates"] == "75 % / 25 %"


def test_a_rollout_without_updates_shows_dashes_not_zero_rates(admin_client, offerable_release):
    rollout = offerable_release("2.0.0").rollout

    cells = cells_of(admin_client.get(LIST), rollout)

    assert (cells["phase"], cells["progress"], cells["outcome_rates"]) == ("no phases (100 %)", "none offered", "- / -")


def test_a_paused_rollout_shows_why_and_who_paused_it(admin_client, running):
    transitions.pause(running, "waiting for the vendor's fix")

    cells = cells_of(admin_client.get(LIST), running)

    assert cells["state_and_reason"] == "paused general Paused by an operator: waiting for the vendor's fix"


def test_the_paused_by_filter_tells_automatic_pauses_from_an_operators(admin_client, running, offerable_release):
    transitions.pause(running, "by hand")
    automatic = offerable_release("3.0.0").rollout
    transitions.pause(automatic, "failure threshold crossed", automatic=True)
    resumed = offerable_release("4.0.0").rollout
    transitions.pause(resumed, "failure threshold crossed", automatic=True)
    transitions.resume(resumed)

    def listed(who):
        return {rollout.pk for rollout in admin_client.get(f"{LIST}?paused_by={who}").context["cl"].result_list}

    assert listed("auto_paused") == {automatic.pk}
    assert listed("paused") == {running.pk}


def test_the_list_takes_the_same_number_of_queries_for_few_and_many_rollouts(admin_client, offerable_release,
                                                                            updates_of):
    def queries_with(rollouts):
        for index in range(rollouts):
            release = offerable_release(f"{rollouts}.{index}.0", product=ProductFactory(key=f"p{rollouts}-{index}"))
            updates_of(release.rollout, S.FAILED, count=2, prefix=f"{rollouts}-{index}")
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(LIST).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(6)


def test_the_policy_page_shows_the_phases_numbered_from_1(admin_client, running):
    change = reverse("admin:rollouts_rollout_change", args=[running.pk])

    formset = admin_client.get(change).context["inline_admin_formsets"][1].formset

    assert [form["position"].value() for form in formset.forms] == [1, 2]
    assert formset.forms[0].fields["position"].label == "phase"
