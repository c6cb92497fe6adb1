"""Actor resolution: mentions → country, sector and (for office titles) the holder on the story date."""
import csv
from pathlib import Path

import pytest

from eventcoder.actors import resolve_text

CASES = Path(__file__).parent / "data" / "actors" / "mentions.tsv"


def _cases():
    with CASES.open(encoding="utf-8") as handle:
        return [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]


@pytest.mark.parametrize("mention,day,country,sector,name", _cases())
def test_mention_resolves(mention, day, country, sector, name):
    res = resolve_text(mention, day)
    assert res is not None, f"{mention!r} did not resolve"
    assert (res.country, res.sector) == (country, sector), res
    if name:
        assert res.name == name, res


def test_unknown_words_do_not_resolve():
    assert resolve_text("the quarterly earnings report", "2020-01-01") is None


def test_office_outside_any_known_tenure_gives_the_country_not_a_person():
    res = resolve_text("the American Secretary of State", "1950-01-01")
    assert res.country == "USA" and res.kind != "person"


def test_pronouns_are_not_acronyms():
    """'who' is not the WHO and 'us' not the US: a bare pronoun resolves through its antecedent or not at all."""
    from eventcoder.coder import code_text

    events = code_text("Police arrested twelve students who were marching to the parliament. They told us nothing.",
                       "2021-04-14")
    countries = {a.country for e in events for a in e.actors + e.recipients}
    assert "UNO" not in countries and "USA" not in countries, countries


def test_names_of_bodies_need_their_capital():
    """"an amnesty for the rebels" is not Amnesty International; "Amnesty said" is."""
    assert resolve_text("a general amnesty", "2020-01-01") is None
    assert resolve_text("Amnesty", "2020-01-01").country == "NGO"


def test_country_names_with_a_typing_slip():
    assert resolve_text("Ethopia", "2020-01-01").country == "ETH"
    assert resolve_text("Marawi", "2020-01-01") is None  # a Philippine town, not Malawi
    assert resolve_text("Korean", "2020-01-01") is None  # a name plus a letter is a word of its own
