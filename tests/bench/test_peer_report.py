"""The peer benchmark's section: each portal figure as a ratio to goosebit and to the floor, with the bars."""

from types import SimpleNamespace

from bench.benchmarks.peers import Peers
from bench.report import Section
from bench.runner import FULL


def measured(floor, goosebit, ping, checkin_idle, checkin_offer, ddi_idle):
    return {"floor": floor, "goosebit": goosebit, "ping": ping, "checkin_idle": checkin_idle,
            "checkin_offer": checkin_offer, "ddi_idle": ddi_idle}


def section_of(rows, goosebit_problem=""):
    """The section a run with these rounds writes (the benchmark as the runner leaves it after measuring)."""
    benchmark = Peers.__new__(Peers)
    gunicorn = SimpleNamespace(describe=lambda: "gunicorn --workers 4")
    benchmark.ctx = SimpleNamespace(config=FULL, gunicorn=gunicorn)
    benchmark.rows, benchmark.goosebit_problem = rows, goosebit_problem
    section = Section(name="peers", title="2c")
    benchmark.finish(section)
    return section


def row(devices, rounds, unexpected=None):
    sampled = {"all": 4000, "checkin_idle": 2000, "checkin_offer": 2000, "ddi_idle": 1990}
    return {"devices": devices, "rounds": rounds, "unexpected": unexpected or {}, "sampled": sampled}


ROUNDS = [measured(10000, 500, 3200, 1600, 900, 2600), measured(9000, 450, 3000, 1500, 800, 2300)]


def test_each_portal_figure_is_printed_as_a_ratio_to_goosebit_and_to_the_floor():
    ratios = section_of([row(1_000, ROUNDS)]).tables[1]

    assert ratios.columns[1:] == ["idle DDI root poll ÷ goosebit / ÷ floor",
                                  "idle check-in ÷ goosebit / ÷ floor",
                                  "ping ÷ goosebit / ÷ floor",
                                  "offer-making check-in ÷ goosebit / ÷ floor"]
    # idle DDI: 2600/500 = 5.2 and 2300/450 = 5.11 → 5.16; 2600/10000 = 0.26 and 2300/9000 = 0.256 → 0.26
    assert ratios.rows[0][1] == "5.16× / 0.26×"


def test_the_bars_of_the_issue_are_the_verdicts():
    verdicts = section_of([row(1_000, ROUNDS), row(1_000_000, ROUNDS)]).verdicts

    by_bar = {verdict.bar: verdict.passed for verdict in verdicts}
    assert by_bar == {
        "idle DDI root poll ≥ 4× goosebit's DDI poll (aim 5×)": True,
        "idle check-in ≥ 3× goosebit's DDI poll": True,
        "ping ≥ 0.3× bare WSGI floor": True,
        "idle DDI root poll holds from the smallest to the largest fleet": True,
        "idle check-in holds from the smallest to the largest fleet": True,
        "ping holds from the smallest to the largest fleet": True,
        "offer-making check-in holds from the smallest to the largest fleet": True,
    }


def test_unexpected_answers_fail_the_bars_of_that_figure_and_are_shown():
    section = section_of([row(1_000, ROUNDS, unexpected={"checkin_idle": 7})])

    by_bar = {verdict.bar: verdict.passed for verdict in section.verdicts}
    assert by_bar["idle check-in ≥ 3× goosebit's DDI poll"] is False
    assert by_bar["idle DDI root poll ≥ 4× goosebit's DDI poll (aim 5×)"] is True
    assert section.tables[0].rows[0][-1] == "idle check-in: 7 unexpected"


def test_the_machines_a_million_devices_need_come_from_the_idle_rates_at_the_largest_fleet():
    largest = [measured(10000, 500, 3000, 1700, 900, 850)]

    notes = section_of([row(1_000, ROUNDS), row(1_000_000, largest)]).notes

    assert "with the idle check-in at 1,700 req/s (1,000,000 devices): **2**" in notes[0]
    assert "with the idle DDI root poll at 850 req/s (1,000,000 devices): **4**" in notes[1]


def test_without_goosebit_the_other_figures_still_print_and_the_report_says_why():
    rounds = [measured(10000, 0, 3200, 1600, 900, 2600)]
    del rounds[0]["goosebit"]
    problem = "goosebit 0.2.12 could not be installed (PyPI is unreachable)"

    section = section_of([row(1_000, rounds)], goosebit_problem=problem)

    assert section.tables[1].rows[0][1] == "– / 0.26×"
    by_bar = {verdict.bar: verdict.passed for verdict in section.verdicts}
    assert by_bar["ping ≥ 0.3× bare WSGI floor"] is True
    assert by_bar["idle DDI root poll ≥ 4× goosebit's DDI poll (aim 5×)"] is None
    assert section.notes[-1] == f"**goosebit was not measured**: {problem}"
