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
    assert (res.country, res.sector) == (country or None, sector or None), res  # empty cell: none
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


def test_a_bare_group_is_no_armed_group():
    """"two groups clashed over a field" is a brawl: a group is armed only when a word says so;
    "the group" alone points back to one named before and says nothing of its kind."""
    assert resolve_text("two groups", "2020-05-01").sector == "CVL"
    assert resolve_text("both groups", "2020-05-01").sector == "CVL"
    assert resolve_text("the group", "2020-05-01") is None
    assert resolve_text("a group of shopkeepers", "2020-05-01").sector == "CVL"
    assert resolve_text("an armed group", "2020-05-01").sector == "REB"
    assert resolve_text("a group of police officers", "2020-05-01").sector == "COP"


def test_two_groups_clashing_over_land_are_not_rebels():
    from eventcoder.coder import code_text

    events = code_text("date 2021-03-02 Two groups of villagers clashed with sticks over a disputed field in "
                       "Larkana on Tuesday, injuring four people.", "2021-03-02")
    sectors = {a.sector for e in events for a in e.actors + e.recipients}
    assert "REB" not in sectors, [(a.text, a.sector) for e in events for a in e.actors + e.recipients]


def test_short_names_known_only_in_capitals_need_capitals():
    """"CAR" is the Central African Republic, "a car" is not; "the CV" is a gang, "a cv" a résumé."""
    assert resolve_text("CAR", "2020-01-01").country == "CAF"
    assert resolve_text("a car", "2020-01-01") is None
    assert resolve_text("her car", "2020-01-01") is None
    assert resolve_text("the CV", "2020-01-01").sector == "UAF"
    assert resolve_text("the cv", "2020-01-01") is None


def test_a_name_can_change_what_it_stands_for_on_a_date():
    """The SPLM was Sudan's rebel movement before South Sudan's independence, its ruling party after."""
    before = resolve_text("the SPLM", "2005-01-01")
    after = resolve_text("the SPLM", "2015-01-01")
    assert (before.country, before.sector) == ("SDN", "REB")
    assert (after.country, after.sector) == ("SSD", "PTY")


def test_an_armed_body_takes_the_armed_word_that_qualifies_it():
    assert resolve_text("police forces", "2020-01-01").sector == "COP"
    assert resolve_text("insurgent units", "2020-01-01").sector == "REB"
    assert resolve_text("regime forces", "2020-01-01").sector == "MIL"
    assert resolve_text("opposition forces", "2020-01-01").sector == "REB"


def test_forces_of_a_named_government_are_its_military():
    res = resolve_text("GNA troops", "2020-01-01", head="troop")
    assert (res.country, res.sector) == ("LBY", "MIL")
    assert resolve_text("the GNA", "2020-01-01").sector == "GOV"


def test_a_gang_named_in_a_sentence_gets_its_country_and_sector():
    from eventcoder.coder import code_text

    events = code_text("date 2022-07-11 Suspected members of the Jalisco New Generation Cartel shot dead two "
                       "police officers in Celaya on Monday.", "2022-07-11")
    actors = [(a.country, a.sector) for e in events for a in e.actors]
    assert ("MEX", "UAF") in actors, actors


def test_a_militia_named_in_a_sentence_gets_its_country():
    from eventcoder.coder import code_text

    events = code_text("date 2020-06-03 Imbonerakure youths beat three opposition supporters with clubs in "
                       "Kirundo province.", "2020-06-03")
    actors = [(a.country, a.sector) for e in events for a in e.actors]
    assert ("BDI", "REB") in actors, actors


def test_a_capital_or_country_written_in_lower_case_is_a_word():
    """"a male nurse" is not the Maldives' capital; "Male" is."""
    assert resolve_text("a male nurse", "2020-01-01").country is None
    assert resolve_text("Male", "2020-01-01").country == "MDV"


def test_a_capitalised_common_word_is_no_misspelt_country():
    """"the Child Welfare Board" is not Chile with a slip."""
    res = resolve_text("staff of the Child Welfare Board", "2020-01-01")
    assert res is None or res.country != "CHL", res


def test_a_capital_inside_a_longer_place_name_is_that_place():
    """"Victoria de Durango" is a Mexican city, not the Seychelles' capital; "Victoria" alone is."""
    res = resolve_text("farmers of Victoria de Durango", "2020-01-01")
    assert res is None or res.country != "SYC", res
    assert resolve_text("Victoria", "2020-01-01").country == "SYC"


def test_a_longer_party_name_beats_a_shorter_one_inside_it():
    """Sudan's National Congress Party is not India's Congress party."""
    assert resolve_text("supporters of the National Congress Party", "2020-01-01").country == "SDN"
    assert resolve_text("Congress party workers", "2020-01-01").country == "IND"


def test_a_sentence_initial_article_is_no_part_of_a_short_capitalised_name():
    """"The PRC protested …", "The UK said …": a capitalised "The" opening the sentence does not make
    the name a longer place name (a village called PRC elsewhere) nor the US a demonym."""
    from eventcoder.coder import code_text

    events = code_text("The PRC on Friday protested the docking of a foreign warship in its waters.", "1999-03-05")
    assert any(a.country == "CHN" for e in events for a in e.actors), [(e.event_type, e.actors) for e in events]
    assert resolve_text("The UK", "2001-01-01").country == "GBR"
    assert resolve_text("The US", "2001-01-01").sector == "GOV"


def test_a_bomb_with_no_one_named_is_an_unidentified_group_of_the_place():
    """"A roadside bomb near Kandahar killed two Canadian soldiers": nobody named as planting it; the
    source is an unidentified armed group of the place's country, not of the victims' country."""
    from eventcoder.coder import code_text

    events = code_text("A roadside bomb near Kandahar killed two Canadian soldiers on Friday.", "2006-04-22")
    (attack,) = [e for e in events if e.event_type == "ASSAULT"]
    assert [(a.country, a.sector) for a in attack.actors] == [("AFG", "UAF")], attack.actors


def test_organisations_named_anywhere_in_a_text() -> None:
    from eventcoder.actors.dictionary import organisations_in

    text = "The STC said it is ready for talks; Hayat Tahrir al-Sham did not comment and stc is a typo."
    found = [(text[s:e], entry.country) for s, e, entry in organisations_in(text, "2020-05-01")]
    # the longest name is read whole; an acronym only where it is written in capitals
    assert found == [("STC", "YEM"), ("Hayat Tahrir al-Sham", "SYR")]
