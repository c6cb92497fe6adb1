"""Converters on tiny files written for these tests, and on ../shared/data when it is present."""
from __future__ import annotations

from pathlib import Path

import pytest

from eventcoder.evaluate.acled import CURRENT, LEGACY, detect_layout, parse_acled_date
from eventcoder.evaluate.codes import actor_code, country_code, sector_code
from eventcoder.evaluate.convert import convert, convert_file
from eventcoder.evaluate.gold import GoldActor, GoldDoc, read_gold, select_part
from eventcoder.evaluate.plover import map_label, relabel_by_text

DATA = Path(__file__).parent / "data" / "eval"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def by_id(conversion):
    return {doc.id: doc for doc in conversion.docs}


def test_acled_current_layout() -> None:
    conversion = convert("acled", DATA / "acled_current.csv")
    assert conversion.records_read == 4
    assert [rid for rid, _ in conversion.skipped] == ["KEN90004"]  # row without notes
    docs = by_id(conversion)
    nga = docs["NGA90002"]
    assert nga.date == "2021-03-02"  # current layout: event day is the story date
    (event,) = nga.events
    assert (event.acled_event_type, event.acled_sub_event_type) == ("Battles", "Armed clash")
    assert (event.dead, event.country, event.admin1, event.event_date) == (3, "NGA", "Borno", "2021-03-02")
    assert (event.lat, event.lon) == (12.0361, 13.9169)
    assert event.actors == [GoldActor(text="Military Forces of Nigeria (2015-)", country="NGA", sector="MIL")]
    assert event.recipients == [GoldActor(text="Islamic State (West Africa)", country=None, sector="REB")]
    assert event.event_type is None and event.injured is None  # ACLED labels neither
    rou = docs["ROU90003"].events[0]
    assert rou.country == "ROU"  # ACLED's old "ROM" normalised
    assert (rou.actors[0].country, rou.actors[0].sector) == ("ROU", "CVL")
    assert (rou.recipients[0].country, rou.recipients[0].sector) == ("ROU", "COP")
    assert docs["KEN90001"].events[0].recipients == []


def test_acled_legacy_layout_has_no_story_date_unless_asked() -> None:
    plain = by_id(convert("acled", DATA / "acled_legacy.csv"))
    assert len(plain) == 3
    assert all(doc.date is None for doc in plain.values())
    battle = plain["UGA801"].events[0]
    assert battle.event_date == "1999-05-03"  # dd/mm/yyyy
    assert (battle.acled_event_type, battle.acled_sub_event_type) == ("Battles", "Armed clash")
    assert (battle.country, battle.dead) == ("UGA", 7)
    protest = plain["UGA802"].events[0]
    assert protest.acled_event_type is None and protest.acled_sub_event_type is None  # Riots/Protests is ambiguous
    remote = plain["UGA803"].events[0]
    assert (remote.acled_event_type, remote.acled_sub_event_type) == ("Explosions/Remote violence", None)
    dated = by_id(convert("acled", DATA / "acled_legacy.csv", use_event_date_as_story_date=True))
    assert dated["UGA803"].date == "1999-05-22"


def test_acled_layout_detection_and_dates() -> None:
    assert detect_layout(["data_id", "event_date", "event_type", "notes"]) == CURRENT
    assert detect_layout(["EVENT_DATE", "EVENT_TYPE", "NOTES"]) == LEGACY
    with pytest.raises(ValueError):
        detect_layout(["id", "date", "text"])
    assert parse_acled_date("9-May-20") == "2020-05-09"
    assert parse_acled_date("09 May 2020") == "2020-05-09"
    assert parse_acled_date("2020-05-09") == "2020-05-09"
    assert parse_acled_date("05/09/2020", day_first=False) == "2020-05-09"
    with pytest.raises(ValueError):
        parse_acled_date("sometime in May")


def test_plover_records() -> None:
    conversion = convert("plover", DATA / "plover_tiny.txt")
    assert conversion.records_read == 5
    assert [rid for rid, _ in conversion.skipped] == ["TINY-DOCUMENT-0001"]
    docs = by_id(conversion)
    assert all(doc.date is None for doc in docs.values())  # placeholder dates are not story dates
    demand = docs["TINY-DEMAND-0001"].events[0]
    assert (demand.event_type, demand.mode) == ("REQUEST", None)
    assert [(a.country, a.sector) for a in demand.actors] == [("JPN", "GOV")]
    assert [a.country for a in demand.recipients] == ["KOR"]
    fight = docs["TINY-FIGHT-0001"].events[0]
    assert (fight.event_type, fight.mode, fight.dead) == ("ASSAULT", "heavy-weapons", 6)
    assert [(a.country, a.sector) for a in fight.actors] == [("LBR", "REB")]
    assert [(a.country, a.sector) for a in fight.recipients] == [("IGO", None)]
    assert (fight.location, fight.country) == ("Monrovia", "LBR")
    accuse = docs["TINY-DISAPPROVE-0001"].events[0]
    assert (accuse.event_type, accuse.mode) == ("ACCUSE", "disapprove")
    assert [a.country for a in accuse.actors] == ["ITA"] and accuse.recipients == []
    threaten = docs["TINY-THREATEN-0001"].events[0]
    assert (threaten.event_type, threaten.mode, threaten.country) == ("THREATEN", None, "GBR")
    assert [(a.country, a.sector) for a in threaten.actors] == [(None, "GOV")]
    assert any("ZZQ" in note for note in conversion.notes)


def test_plover_label_map() -> None:
    assert map_label("DEMAND", None) == ("REQUEST", None)
    assert map_label("INVESTIGATE", "") == ("ACCUSE", "investigate")
    assert map_label("FIGHT", "assassinate") == ("ASSAULT", "targeted")
    assert map_label("PROTEST", "strike-hun") == ("PROTEST", "hunger")
    assert map_label("DOCUMENT", None) == (None, None)
    with pytest.raises(KeyError):
        map_label("DANCE", None)


def test_plover_text_relabel() -> None:
    # a kidnapping that PLOVER 0.5 filed under COERCE is an ASSAULT (abduct) in 2.0
    assert relabel_by_text("COERCE", "arrest", "kidnapped") == ("ASSAULT", "abduct")
    assert relabel_by_text("COERCE", "arrest", "took hostages") == ("ASSAULT", "abduct")
    assert relabel_by_text("COERCE", "arrest", "detained") == ("COERCE", "arrest")
    assert relabel_by_text("REQUEST", None, "demanded the release of hostages") == ("REQUEST", None)


def test_lgl_articles() -> None:
    conversion = convert("lgl", DATA / "lgl_tiny.xml")
    assert conversion.records_read == 2
    docs = by_id(conversion)
    fargo = docs["101"]
    assert fargo.date == "2009-03-21" and fargo.events == []
    assert [(t.name, t.geonameid, t.scored) for t in fargo.toponyms] == [("Fargo", 5059163, True),
                                                                       ("Moorhead", 5038108, True)]
    assert [rid for rid, _ in conversion.skipped] == ["101@48:60"]  # offsets that do not select the phrase
    assert docs["102"].toponyms[0].lat == 46.7833


def test_geowebnews_articles() -> None:
    conversion = convert("lgl", DATA / "gwn_tiny.xml")
    (doc,) = conversion.docs
    assert doc.id == "gwn-7" and doc.date is None
    names = [(t.name, t.kind, t.scored) for t in doc.toponyms]
    assert names == [("Lisbon", "Literal_Modifier", True), ("Porto fans", "Non_Lit_Expression", False),
                     ("Porto", "Literal", True)]  # the demonym is dropped
    assert conversion.notes == ["annotations typed as non-places dropped: 1"]


def test_convert_file_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "gold.jsonl"
    conversion = convert_file("plover", DATA / "plover_tiny.txt", out)
    assert [doc.model_dump() for doc in read_gold(out)] == [doc.model_dump() for doc in conversion.docs]
    with pytest.raises(ValueError):
        convert("csv", DATA / "plover_tiny.txt")
    with pytest.raises(ValueError):
        convert("lgl", DATA / "lgl_tiny.xml", use_event_date_as_story_date=True)


def test_bad_gold_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": "b", "text": "y", "events": [{"event_typ": "AGREE"}]}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        read_gold(path)


def test_codes() -> None:
    assert country_code("Ivory Coast") == "CIV" and country_code("the Philippines") == "PHL"
    assert country_code("Artsakh") is None and country_code("Atlantis") is None
    assert actor_code("JAP") == ("JPN", None) and actor_code("NGO") == ("NGO", None)
    assert sector_code("CVLalb") == "CVL" and sector_code("***") is None and sector_code("CIV") == "CVL"


def test_select_part_halves() -> None:
    docs = [GoldDoc(id=str(n), text="x") for n in (10, 11, 13, 16, 17)]
    assert [d.id for d in select_part(docs, "odd-position")] == ["11", "16"]
    assert [d.id for d in select_part(docs, "even-position")] == ["10", "13", "17"]
    assert [d.id for d in select_part(docs, "odd-id")] == ["11", "13", "17"]
    assert select_part(docs, "all") == docs
    with pytest.raises(ValueError):
        select_part([GoldDoc(id="gwn-1", text="x")], "odd-id")
    with pytest.raises(ValueError):
        select_part(docs, "test")


def _shared(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: shared data not on this machine")
    return path


def test_shared_acled_counts() -> None:
    conversion = convert("acled", _shared("acled_global_2020/acled.csv"))
    assert conversion.records_read == 5071
    assert len(conversion.docs) + len(conversion.skipped) == 5071
    assert len(conversion.docs) == 5070  # the file's last row is cut off before its notes
    assert all(doc.date == doc.events[0].event_date for doc in conversion.docs)
    assert all(doc.events[0].country and doc.events[0].acled_sub_event_type for doc in conversion.docs)


def test_shared_plover_counts() -> None:
    conversion = convert("plover", _shared("plover_gsr/PLOVER_GSR_CAMEO.txt"))
    assert conversion.records_read == 323
    assert len(conversion.docs) == 322 and conversion.skipped[0][0] == "PLOVER-GSR01-DOCUMENT-0001"
    types = {doc.events[0].event_type for doc in conversion.docs}
    assert len(types) == 16 and not types & {"DEMAND", "DISAPPROVE", "FIGHT", "INVESTIGATE"}


def test_shared_lgl_counts() -> None:
    conversion = convert("lgl", _shared("geoparsing_gold/lgl.xml"))
    assert conversion.records_read == 588 and len(conversion.docs) == 588
    toponyms = [t for doc in conversion.docs for t in doc.toponyms]
    assert len(toponyms) == 5088 and sum(t.scored for t in toponyms) == 4462
    gwn = convert("lgl", _shared("geoparsing_gold/GWN.xml"))
    assert gwn.records_read == 200 and len(gwn.docs) == 200
