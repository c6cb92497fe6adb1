"""Cross-article deduplication: reports of one real event become one cluster, others stay apart.

The articles are in tests/data/dedup/*.jsonl (with outlet names, written for these tests). They
are coded once with the real pipeline; each test writes some of them to a fresh DuckDB store
and links them with ``dedup.link_pending``, as ``eventcoder code`` does after each batch.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from eventcoder import dedup, store
from eventcoder.cli import app
from eventcoder.coder import Coder
from eventcoder.pipeline import default_stages
from eventcoder.read import Article, make_article, read_inputs
from eventcoder.record import ActorRef, Event, Evidence, Location

DATA = Path(__file__).resolve().parent / "data" / "dedup"
runner = CliRunner()


@pytest.fixture(scope="module")
def coded() -> dict[str, tuple[Article, list[Event]]]:
    """Every test article coded once, by its external id (kn-1, gs-2, ...)."""
    articles = [a for a in read_inputs(sorted(str(p) for p in DATA.glob("*.jsonl"))) if isinstance(a, Article)]
    assert len(articles) == 12
    return {art.external_id: (art, events) for art, events in Coder().code_batch(articles)}


def stored(tmp_path: Path, coded: dict, *names: str, db_name: str = "events.duckdb") -> str:
    db = str(tmp_path / db_name)
    store.write_batch(db, [coded[n] for n in names])
    return db


def clusters(db: str, **filters) -> list[dedup.Cluster]:
    return dedup.query_clusters(db, store.EventQuery(**filters))


def cluster_holding(found: list[dedup.Cluster], event_id: str) -> dedup.Cluster:
    return next(c for c in found if event_id in c.members)


def main_event(coded: dict, name: str, event_type: str = "ASSAULT") -> Event:
    """The article's report of the event with a fatality count (the one its headline tells)."""
    events = [e for e in coded[name][1] if e.event_type == event_type and e.realized]
    with_count = [e for e in events if e.dead is not None]
    return (with_count or events)[0]


# --------------------------------------------------------------------------- the required cases

def test_five_outlets_one_attack_make_one_cluster_with_five_sources(tmp_path: Path, coded: dict) -> None:
    names = ["kn-1", "kn-2", "kn-3", "kn-4", "kn-5"]
    db = stored(tmp_path, coded, *names)
    stats = dedup.link_pending(db)
    assert stats.articles == 5
    found = clusters(db)
    attack = cluster_holding(found, main_event(coded, "kn-1").id)
    for name in names:  # every outlet's main report is in that one cluster
        assert main_event(coded, name).id in attack.members, name
    assert attack.n_articles == 5
    assert attack.n_sources == 5
    assert attack.sources == sorted(coded[n][0].source.lower() for n in names)
    assert (attack.first_report, attack.last_report) == ("2024-06-09", "2024-06-11")
    # the counts differ by outlet (12, 11, 14, 13, 12 dead): every account is kept, and the
    # canonical figure is the lowest reported one (ACLED's rule)
    reported = sorted(main_event(coded, n).dead for n in names)
    assert reported == [11, 12, 12, 13, 14]
    assert sorted(a.dead for a in attack.event.accounts if a.dead is not None) == reported
    assert attack.event.dead == 11 == attack.event.acled.fatalities


def test_no_second_cluster_holds_a_fatality_report_of_the_attack(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "kn-1", "kn-2", "kn-3", "kn-4", "kn-5")
    dedup.link_pending(db)
    found = clusters(db)
    attack = cluster_holding(found, main_event(coded, "kn-1").id)
    others = [c for c in found if c.event.event_type == "ASSAULT" and c.id != attack.id]
    assert all(c.event.dead is None for c in others), [c.event.evidence.text for c in others]


def test_different_sentences_of_one_article_join_the_cluster(tmp_path: Path, coded: dict) -> None:
    # the coder's own "incidents" stage merges one paragraph's reports; left out here, each
    # sentence's report is a record of its own, as reports in different paragraphs are
    article = coded["kn-1"][0]
    stages = [name for name in default_stages() if name != "incidents"]
    unmerged = Coder(stages=stages).code(article)
    db = str(tmp_path / "events.duckdb")
    store.write_batch(db, [(article, unmerged)])
    dedup.link_pending(db)
    events = [e for e in unmerged if e.event_type == "ASSAULT" and e.realized]
    sentences = {e.evidence.start for e in events}
    assert len(sentences) >= 2, "the article tells the attack in more than one sentence"
    found = clusters(db)
    assert len({cluster_holding(found, e.id).id for e in events}) == 1
    assert found[0].n_articles == 1 and found[0].n_mentions >= 2


def test_two_attacks_same_day_same_province_stay_two(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "gs-1", "gs-2", "tf-1", "tf-2")
    dedup.link_pending(db)
    found = clusters(db, event_type="ASSAULT")
    mosque = cluster_holding(found, main_event(coded, "gs-1").id)
    post = cluster_holding(found, main_event(coded, "tf-1").id)
    assert mosque.id != post.id
    assert main_event(coded, "gs-2").id in mosque.members  # each attack's two reports do merge
    assert main_event(coded, "tf-2").id in post.members
    assert (mosque.n_sources, post.n_sources) == (2, 2)
    assert (mosque.event.dead, post.event.dead) == (9, 4)
    day = {main_event(coded, n).date for n in ("gs-1", "gs-2", "tf-1", "tf-2")}
    assert day == {"2024-05-17"}, "the four reports are dated to the same Friday"


def test_protest_reported_yesterday_and_on_monday_merges(tmp_path: Path, coded: dict) -> None:
    first, second = main_event(coded, "nb-1", "PROTEST"), main_event(coded, "nb-2", "PROTEST")
    # story dates Tuesday 25 and Wednesday 26 June: "yesterday" and "on Monday" are both the 24th
    assert (coded["nb-1"][0].date, coded["nb-2"][0].date) == ("2024-06-25", "2024-06-26")
    assert first.date == second.date == "2024-06-24"
    db = stored(tmp_path, coded, "nb-1", "nb-2", "nb-3")
    dedup.link_pending(db)
    found = clusters(db, event_type="PROTEST")
    protest = cluster_holding(found, first.id)
    assert second.id in protest.members
    assert protest.n_sources == 2
    assert (protest.first_report, protest.last_report) == ("2024-06-25", "2024-06-26")
    # the march of the next day (Tuesday), in the same city, is another event (ACLED: one per day)
    tuesday = main_event(coded, "nb-3", "PROTEST")
    assert tuesday.date == "2024-06-25"
    assert cluster_holding(found, tuesday.id).id != protest.id


# --------------------------------------------------------------------------- incremental linking

def test_new_articles_join_existing_clusters_without_reclustering(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "kn-1", "kn-2", "kn-3", "gs-1", "gs-2")
    dedup.link_pending(db)
    with duckdb.connect(db, read_only=True) as con:
        before = dict(con.execute("SELECT event_id, cluster_id FROM cluster_members").fetchall())
        mosque_row = con.execute("SELECT * FROM clusters WHERE id = ?", [before[main_event(coded, "gs-1").id]]).fetchone()
    attack_id = before[main_event(coded, "kn-1").id]
    assert cluster_holding(clusters(db), main_event(coded, "kn-1").id).n_sources == 3

    store.write_batch(db, [coded["kn-4"], coded["kn-5"]])
    stats = dedup.link_pending(db)
    assert stats.articles == 2 and stats.mentions == len(coded["kn-4"][1]) + len(coded["kn-5"][1])
    with duckdb.connect(db, read_only=True) as con:
        after = dict(con.execute("SELECT event_id, cluster_id FROM cluster_members").fetchall())
        mosque_after = con.execute("SELECT * FROM clusters WHERE id = ?", [mosque_row[0]]).fetchone()
    assert {k: after[k] for k in before} == before  # earlier links are never redone
    assert mosque_after == mosque_row  # a cluster the new articles do not touch is not rewritten
    attack = cluster_holding(clusters(db), main_event(coded, "kn-1").id)
    assert attack.id == attack_id and attack.n_sources == 5
    assert dedup.link_pending(db).mentions == 0  # nothing left pending: linking is idempotent


def test_blocking_compares_only_mentions_in_the_date_window(tmp_path: Path, coded: dict) -> None:
    june = ["kn-1", "kn-2", "kn-3", "kn-4", "kn-5"]
    alone = stored(tmp_path, coded, *june, db_name="alone.duckdb")
    pairs_alone = dedup.link_pending(alone).pairs_compared
    # the same June articles linked into a store that already holds the May attacks: the May
    # mentions are outside every June mention's date window and are never compared
    db = stored(tmp_path, coded, "gs-1", "gs-2", "tf-1", "tf-2", db_name="grown.duckdb")
    dedup.link_pending(db)
    store.write_batch(db, [coded[n] for n in june])
    stats = dedup.link_pending(db)
    assert stats.pairs_compared == pairs_alone
    assert stats.pairs_per_article == pytest.approx(pairs_alone / 5)
    assert dedup.dedup_totals(db)["articles"] == 9


def test_relink_all_rebuilds_the_same_clusters(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "kn-1", "kn-2", "gs-1", "tf-1", "nb-1", "nb-2")
    dedup.link_pending(db)
    before = sorted(tuple(c.members) for c in clusters(db, include_unrealized=True))
    dedup.relink_all(db)
    assert sorted(tuple(c.members) for c in clusters(db, include_unrealized=True)) == before


def test_linking_per_batch_or_once_gives_the_same_clusters(tmp_path: Path, coded: dict) -> None:
    batches = [["kn-1", "gs-1", "nb-1"], ["kn-2", "kn-3", "gs-2", "tf-1"], ["kn-4", "kn-5", "tf-2", "nb-2", "nb-3"]]
    each, once = str(tmp_path / "each.duckdb"), str(tmp_path / "once.duckdb")
    pairs_each = 0
    for batch in batches:
        store.write_batch(each, [coded[n] for n in batch])
        pairs_each += dedup.link_pending(each).pairs_compared  # as the local engine does
        store.write_batch(once, [coded[n] for n in batch])
    pairs_once = dedup.link_pending(once).pairs_compared  # as the Dask loader does, every few partitions
    assert pairs_once == pairs_each  # the same blocking either way

    def partition(db: str) -> set[frozenset[str]]:
        return {frozenset(c.members) for c in clusters(db, include_unrealized=True)}

    assert partition(each) == partition(once)
    assert len(partition(once)) < sum(len(events) for _, events in coded.values())  # some did merge


def test_query_links_a_store_written_without_linking(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "gs-1", "gs-2")  # written, never linked (e.g. an interrupted run)
    found = clusters(db, event_type="ASSAULT")
    assert main_event(coded, "gs-2").id in cluster_holding(found, main_event(coded, "gs-1").id).members


# --------------------------------------------------------------------------- query and CLI

def test_query_filters_by_any_member(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, *[n for n in coded])
    dedup.link_pending(db)
    may = clusters(db, until="2024-05-31")
    assert may and all(c.event.date <= "2024-05-31" for c in may)
    assert {c.event.event_type for c in clusters(db, event_type="PROTEST")} == {"PROTEST"}
    assert len(clusters(db, limit=2)) == 2
    every = {m for c in clusters(db, include_unrealized=True) for m in c.members}
    assert every == {e.id for _, events in coded.values() for e in events}  # every report is kept


def test_cli_query_defaults_to_clusters_and_mentions_lists_reports(tmp_path: Path, coded: dict) -> None:
    db = stored(tmp_path, coded, "kn-1", "kn-2", "kn-3", "kn-4", "kn-5")
    dedup.link_pending(db)
    merged = runner.invoke(app, ["query", "--db", db, "--type", "ASSAULT", "--json"])
    assert merged.exit_code == 0, merged.output
    rows = [dedup.Cluster.model_validate_json(line) for line in merged.stdout.splitlines()]
    assert max(r.n_sources for r in rows) == 5
    reports = runner.invoke(app, ["query", "--db", db, "--type", "ASSAULT", "--json", "--mentions"])
    assert reports.exit_code == 0, reports.output
    events = [Event.model_validate_json(line) for line in reports.stdout.splitlines()]
    assert len(events) == sum(r.n_mentions for r in rows) > len(rows)
    table = runner.invoke(app, ["query", "--db", db, "--type", "ASSAULT"])
    assert table.exit_code == 0 and "reports merged" in table.stdout


def test_cli_code_links_after_each_batch(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.duckdb")
    result = runner.invoke(app, ["code", str(DATA / "attack_five_outlets.jsonl"), "--db", db, "--quiet",
                                 "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    with duckdb.connect(db, read_only=True) as con:
        unlinked = con.execute("SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM cluster_members)").fetchone()[0]
        best = con.execute("SELECT max(n_sources) FROM clusters").fetchone()[0]
    assert unlinked == 0 and best == 5


# --------------------------------------------------------------------------- the rules, on records

def record(event_id: str, text: str, day: str = "2024-03-04", precision: int = 1, story: str = "2024-03-05",
           event_type: str = "ASSAULT", location: Location | None = None, **fields) -> Event:
    return Event(id=event_id, article_id=event_id.split("-")[0], story_date=story, event_type=event_type,
                 quad_class=4, goldstein=-9.0, date=day, date_precision=precision,
                 evidence=Evidence(text=text, start=0, end=len(text)), location=location, **fields)


def mention(event: Event, source: str = "x") -> dedup.Mention:
    return dedup.make_mention(event, source)


def test_distance_limit_follows_geo_precision() -> None:
    text = "Gunmen attacked a village in the district on Monday, killing five farmers."
    town_a = Location(name="A", lat=10.0, lon=8.0, country="NGA", precision=1)
    town_b = Location(name="B", lat=10.0, lon=8.5, country="NGA", precision=1)  # ~55 km east
    region_b = town_b.model_copy(update={"precision": 3})
    a = mention(record("aaa-00", text, location=town_a, dead=5))
    assert dedup.compare(a, mention(record("bbb-00", text, location=town_b, dead=5))) is None
    near = dedup.compare(a, mention(record("ccc-00", text, location=region_b, dead=5)))
    assert near is not None and "place/near" in near.levels  # a region-precise place may be 55 km off
    abroad = Location(name="C", lat=10.0, lon=8.1, country="CMR", precision=1)
    assert dedup.hard_conflict(a, mention(record("ddd-00", text, location=abroad)), dedup.load_rules()) == "country"


def test_date_window_follows_time_precision() -> None:
    text = "Soldiers clashed with militants near the border, the army said."
    day = mention(record("aaa-00", text, day="2024-03-04"))
    four_days_later = mention(record("bbb-00", text, day="2024-03-08"))
    assert dedup.compare(day, four_days_later) is None
    same_month = mention(record("ccc-00", text, day="2024-03-15", precision=3))  # "in March"
    assert dedup.compare(day, same_month) is not None
    undated = mention(record("ddd-00", text, day=None, precision=None, story="2024-03-06"))
    assert dedup.date_gap(day, undated) == 0  # no date of its own: the story day or up to 3 days before


def test_types_must_be_compatible_and_status_equal() -> None:
    text = "Police arrested dozens of demonstrators outside the ministry on Monday."
    rules = dedup.load_rules()
    a = mention(record("aaa-00", text, event_type="COERCE"))
    assert dedup.compare(a, mention(record("bbb-00", text, event_type="PROTEST"))) is not None
    assert dedup.hard_conflict(a, mention(record("ccc-00", text, event_type="AID")), rules) == "type"
    assert dedup.hard_conflict(a, mention(record("ddd-00", text, event_type="COERCE", negated=True)), rules) == "status"
    assert "PROTEST" in rules.compatible_types("COERCE") and "COERCE" in rules.compatible_types("PROTEST")


def test_counts_and_names_weigh_in() -> None:
    base = "Gunmen attacked travellers on the road to Anka on Sunday, killing {n} people."
    rules = dedup.load_rules()
    a = mention(record("aaa-00", base.format(n=12), dead=12))
    close = dedup.compare(a, mention(record("bbb-00", base.format(n=11), dead=11)))
    far = dedup.compare(a, mention(record("ccc-00", base.format(n=3), dead=3)))
    assert "dead/close" in close.levels and "dead/differ" in far.levels
    assert close.score - far.score == pytest.approx(rules.w("dead", "close") - rules.w("dead", "differ"))
    elsewhere = dedup.compare(a, mention(record("ddd-00", "Gunmen attacked travellers near Bakura on Sunday, killing 12 people.", dead=12)))
    assert "names/disagree" in elsewhere.levels and elsewhere.score < close.score


def test_outlets_counted_once_and_unidentified_ones_together() -> None:
    text = "Gunmen attacked a checkpoint near Bama on Sunday, killing {n} soldiers."
    members = [mention(record("aaa-00", text.format(n=4), dead=4), "daily sentinel"),
               mention(record("bbb-00", text.format(n=5), dead=5), "daily sentinel"),
               mention(record("ccc-00", text.format(n=6), dead=6), None),
               mention(record("ddd-00", text.format(n=3), dead=3), None)]
    cluster = dedup.summarize("cl-aaa-00", members)
    assert (cluster.n_articles, cluster.n_sources, cluster.sources) == (4, 2, ["daily sentinel"])
    assert cluster.event.dead == 3 and sorted(a.dead for a in cluster.event.accounts) == [3, 4, 5, 6]
    assert dedup.summarize("cl-ccc-00", members[2:]).n_sources == 1


def test_proper_names_and_outlets() -> None:
    names = dedup.proper_names("Suspected bandits struck Kaura Namoda in northwest Nigeria's Zamfara State on Sunday.")
    assert names == {"kaura namoda", "nigeria", "zamfara"}  # not the first word, the day, or "State"
    assert dedup.source_key(None, "https://www.example.org/a/b") == "example.org"
    assert dedup.source_key("  Daily  Sentinel ", "https://x.example") == "daily sentinel"
    assert dedup.source_key(None, None) is None


def test_lsh_bands_meet_for_rewordings_and_not_for_unrelated_text() -> None:
    a = dedup.content_words("Gunmen opened fire on traders at the cattle market in Kaura Namoda on Sunday")
    b = dedup.content_words("Armed bandits stormed the cattle market in Kaura Namoda on Sunday and shot traders")
    c = dedup.content_words("The central bank raised its benchmark interest rate by half a point")
    assert set(dedup.lsh_bands(a)) & set(dedup.lsh_bands(b))
    assert not set(dedup.lsh_bands(a)) & set(dedup.lsh_bands(c))
    assert dedup.lsh_bands(a) == dedup.lsh_bands(frozenset(sorted(a)))  # deterministic across processes


def test_rules_are_data_files() -> None:
    rules = dedup.load_rules()
    assert rules.threshold > 0 and rules.radius_km[1] < rules.radius_km[3]
    assert rules.halfwidth[1] < rules.halfwidth[2] < rules.halfwidth[3]
    assert "PROTEST" in rules.daily_types


def stored_reports(db: str, texts: list[tuple[str, str]], day: str = "2024-03-05", event_type: str = "AGREE") -> list[str]:
    """Store one-event articles (outlet, text) whose records are built here, not coded: the
    blocking tests need many reports of exactly known shape. Returns the event ids."""
    coded = []
    for outlet, text in texts:
        art = make_article(day, text, f"<{outlet}>", source=outlet)
        event = Event(id=f"{art.id}-00", article_id=art.id, story_date=day, event_type=event_type, quad_class=1,
                      goldstein=4.0, date=day, date_precision=1, evidence=Evidence(text=text, start=0, end=len(text)),
                      actors=[ActorRef(text="Washington", country="USA", sector="GOV", start=0, end=10)])
        coded.append((art, [event]))
    store.write_batch(db, coded)
    return [events[0].id for _, events in coded]


def made_up_word(i: int, k: int) -> str:
    letters = "".join(chr(97 + int(d)) for d in f"{i:03d}{k}")
    return f"qu{letters}ot"


def accord(i: int) -> str:
    w = [made_up_word(i, k) for k in range(4)]
    return f"Washington signed the {w[0]} {w[1]} accord on {w[2]} {w[3]} with {made_up_word(i, 9).title()}."


def test_a_key_shared_by_too_many_events_is_purged(tmp_path: Path) -> None:
    db = str(tmp_path / "events.duckdb")
    n = dedup.MAX_BLOCK_CLUSTERS + 10
    # n different accords, each with its own partner and subject: one shared key (c:USA), n clusters
    stored_reports(db, [(f"outlet {i}", accord(i)) for i in range(n)])
    first = dedup.link_pending(db)
    assert first.new_clusters == n
    assert first.purged_keys > 0  # late in the batch, c:USA already spans too many events
    [new] = stored_reports(db, [("outlet x", accord(3) + " Officials confirmed it.")])
    second = dedup.link_pending(db)
    assert second.purged_keys >= 1 and second.pairs_compared < n
    assert new in cluster_holding(clusters(db), new).members and second.joined == 1  # found through its own name


def test_a_large_cluster_is_met_through_a_few_members(tmp_path: Path) -> None:
    db = str(tmp_path / "events.duckdb")
    text = "Officials said Washington signed a fisheries accord with Reykjavik on Tuesday."
    stored_reports(db, [(f"outlet {i}", text + " " * i) for i in range(12)])  # 12 reports of one accord
    assert dedup.link_pending(db).new_clusters == 1
    stored_reports(db, [("late outlet", text + " (updated)")])
    late = dedup.link_pending(db)
    assert late.joined == 1 and late.pairs_compared == dedup.REPS_PER_CLUSTER
    assert clusters(db)[0].n_sources == 13
