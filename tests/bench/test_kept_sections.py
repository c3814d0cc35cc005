"""Running one benchmark on a checkout without the others' stored results keeps their sections of the page."""

from bench.report import Section, Table, Verdict, kept_sections, render

HEADER = "# Benchmarks"


def measured(name, title, figure):
    table = Table("", ["what", "ms"])
    table.add("a request", figure)
    return Section(name=name, title=title, intro=f"How {name} is measured.", tables=[table],
                   verdicts=[Verdict("< 10 ms", True, f"{figure} ms")])


def test_a_section_without_results_is_kept_as_the_page_showed_it():
    page = render([measured("one", "1. One", 4441), measured("two", "2. Two", 7771)], header=HEADER, images_prefix="")

    kept = kept_sections(page, ["1. One", "2. Two"])
    again = render([kept["1. One"], measured("two", "2. Two", 6661)], header=HEADER, images_prefix="")

    assert again == page.replace("7771", "6661")


def test_a_title_the_page_lacks_is_not_kept():
    page = render([measured("one", "1. One", 4441)], header=HEADER, images_prefix="")

    assert list(kept_sections(page, ["1. One", "9. Nine"])) == ["1. One"]
