"""One record per incident (stage "incidents"): reports of the same incident in a paragraph merge.

ACLED's unit of coding is one interaction on one day at one place. A paragraph often names that
incident more than once: "protesters gathered …; police arrested 12 of them", "gunmen attacked a
checkpoint. Two soldiers were wounded in the attack." Stored apart, the second report is a false
event and the first lacks what the second adds (the arrests, the casualties).

Two realized events are one incident when both are of the incident types
(``events/data/incident_types.txt``), they stand in the same paragraph (or the later one names the
incident's outcome in the next paragraph: "two died in the attack"), fall on the same day, and
their places agree (the same place or within ``SAME_PLACE_KM``, or one of them took its place from
the context rather than from its own sentence). The first report of the paragraph usually names
the main event; ``events/data/incident_merge.tsv`` says which report the incident keeps and what
ACLED sub-event type the pair makes. The other report's counts, missing actors and place are
folded in, the evidence widens to cover both, and the kept record says what it absorbed.

An event named as a protest's cause ("protested against the arrest of …", "demanding the release of
…") is what the protest is about, not an incident of that day: it keeps its PLOVER coding but no
ACLED view (``set_aside_grievances``). So is an event told as the incident's background ("This
happened after the driver protested", "following demonstrations last week", "There have been several
attacks in the region", "He had received threats"), when its paragraph tells an incident of its own
(``set_aside_background``): it is no report of that incident and merges with nothing.
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import Optional

from spacy.tokens import Token

from eventcoder.counts import paragraph_numbers
from eventcoder.events.lexicon import fighting_lemmas, incident_words
from eventcoder.events.triggers import match_rule
from eventcoder.pipeline import CodingContext, Draft, stage
from eventcoder.places.resolve import haversine_km
from eventcoder.record import ActorRef, Event, Evidence, Location
from eventcoder.views import (acled_event_type_of, acled_view, following_sentences, number_records,
                              preceding_sentences, text_order)

DATA = Path(__file__).resolve().parent / "events" / "data"
SAME_PLACE_KM = 25.0
EXCESSIVE = "Excessive force against protesters"
DEFINITE = {"the", "this", "that", "these", "those"}


@functools.lru_cache(maxsize=1)
def incident_types() -> frozenset[str]:
    lines = (DATA / "incident_types.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def merge_rules() -> tuple[tuple[str, ...], ...]:
    with (DATA / "incident_merge.tsv").open(encoding="utf-8") as handle:
        rows = [tuple(r) for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    for row in rows:
        if len(row) != 5 or row[2].split(":")[-1] not in CONDITIONS or row[3] not in ("first", "second", "apart"):
            raise ValueError(f"incident_merge.tsv: bad row {row!r}")
    return tuple(rows)


def is_outcome(draft: Draft) -> bool:
    """A report of what an incident did ("two were killed") or the incident named again ("the
    attack"): either way, not a report of what kind of incident it was."""
    if draft.record.mode is not None:
        return False
    trigger = draft.trigger
    definite = trigger.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ in DEFINITE for c in trigger.children)
    return definite or trigger.lemma_.lower() in incident_words()["outcome"]


def _fire_answered(draft: Draft) -> bool:
    """"troops returned fire", "the two sides traded fire": fire answered is fighting."""
    trigger = draft.trigger
    return trigger.lemma_.lower() == "fire" and trigger.head.lemma_.lower() in incident_words()["answer"]


def is_fighting(draft: Draft, other: Draft) -> bool:
    """An exchange of fire: "clashes broke out", "police returned fire with guns"."""
    return draft.record.mode == "firearms" or draft.trigger.lemma_.lower() in fighting_lemmas()


def _head_nouns(refs: list[ActorRef]) -> set[str]:
    return {ref.text.lower().split()[-1] for ref in refs if ref.text.split()}


def on_participants(draft: Draft, protest: Draft) -> bool:
    """The report acts on a protest's people: "police arrested 20 protesters", "dispersed them";
    an arrest in a sentence that names the protest ("dispersed the demonstration and arrested ten
    people"); the protesters' own noun ("nine women held a sit-in. Nine women were arrested");
    the protest told inside the report's object ("detained three members taking part in a protest")."""
    rec = draft.record
    if not rec.recipients:
        return any(a.sector in ("COP", "MIL") for a in rec.actors)
    words = incident_words()["participant"]
    if any(word in words for ref in rec.recipients for word in ref.text.lower().split()):
        return True
    if {t.lower_ for t in draft.sentence.doc} & incident_words()["gathering"]:
        return True  # "police dispersed the demonstration and arrested ten people"
    if protest.record.event_type == "PROTEST" and _head_nouns(rec.recipients) & _head_nouns(protest.record.actors):
        return True
    # the protest named as a noun in the object ("members taking part in a protest"); a verb there
    # ("students who were marching") leaves the arrest a record of its own
    return protest.sentence is draft.sentence and protest.trigger.pos_ == "NOUN" and any(
        protest.trigger in head.subtree for head in draft.recipient_heads)


def is_clash(draft: Draft, other: Draft) -> bool:
    """Fighting named as such ("police clashed with the demonstrators", "troops returned fire"):
    both sides fought."""
    return draft.trigger.lemma_.lower() in fighting_lemmas() or _fire_answered(draft)


def is_destructive(draft: Draft, other: Draft) -> bool:
    """Burning, smashing or looting; not taking or holding a place or goods ("occupied the factory")."""
    return draft.record.event_type == "ASSAULT" or draft.trigger.lemma_.lower() in incident_words()["destructive"]


def is_unharmed(draft: Draft, other: Draft) -> bool:
    """The report names no one killed or hurt ("gunmen attacked the village")."""
    return not (draft.record.dead or draft.record.injured)


# a condition reads the report it names and the other one: Callable[[Draft, Draft], bool]
CONDITIONS = {"*": lambda draft, other: True, "fighting": is_fighting, "clash": is_clash,
              "on-participants": on_participants, "destructive": is_destructive, "unharmed": is_unharmed}


# property destroyed or seized, weapons seized or defused: ACLED codes them where there was no other violence
NO_VIOLENCE_TYPES = {"Looting/property destruction", "Disrupted weapons use"}


def _violence_beside_property(report: Draft, other: Draft) -> bool:
    """``report`` tells people killed or hurt ("two were killed") in an incident ``other`` reports
    as property destroyed or seized, or weapons seized: ACLED codes those only where there was no
    other violence, so the violence is the incident."""
    return report.record.event_type == "ASSAULT" and report.record.acled.sub_event_type is not None \
        and report.trigger.lemma_.lower() in incident_words()["outcome"] \
        and other.record.acled.sub_event_type in NO_VIOLENCE_TYPES  # "the attack" named again tells no one hurt


def merge_rule(first: Draft, second: Draft) -> tuple[str, str]:
    """(keep, sub_event_type) for two reports of one incident: an outcome report never decides
    the type, unless it tells violence beside property destroyed; otherwise the first row of the
    merge table that fits."""
    if is_outcome(second):
        return ("second" if _violence_beside_property(second, first) else "first"), "="
    if is_outcome(first):
        return ("first" if _violence_beside_property(first, second) else "second"), "="
    a, b = first.record.acled.sub_event_type, second.record.acled.sub_event_type
    for row_a, row_b, when, keep, sub in merge_rules():
        which, _, condition = when.rpartition(":")
        this, other = (first, second) if which == "first" else (second, first)
        if row_a in ("*", a) and row_b in ("*", b) and CONDITIONS[condition](this, other):
            return keep, sub
    return "first", "="


def is_incident(event: Event) -> bool:
    types = incident_types()
    return event.realized and (event.acled.event_type in types or event.acled.sub_event_type in types)


def _own_place(draft: Draft) -> Optional[Location]:
    """The event's location when its own sentence names it (not one taken from the context)."""
    loc = draft.record.location
    if loc is None or loc.start is None:
        return None
    return loc if draft.sentence.start <= loc.start < draft.sentence.end else None


def _places_agree(a: Draft, b: Draft) -> bool:
    la, lb = _own_place(a), _own_place(b)
    if la is None or lb is None:
        return True
    if la.geonameid is not None and la.geonameid == lb.geonameid:
        return True
    if None in (la.lat, la.lon, lb.lat, lb.lon):
        return la.name == lb.name
    return haversine_km(la.lat, la.lon, lb.lat, lb.lon) <= SAME_PLACE_KM


CONTINUING = {"day", "days", "night", "consecutive", "straight", "time", "week"}


def opens_new_incident(draft: Draft) -> bool:
    """"In a separate attack, gunmen …": the words before the trigger say it is another incident;
    "It was the second day of protests" tells how long the same one has gone on."""
    words, doc = incident_words()["apart"], draft.sentence.doc
    return any(tok.lower_ in words and not (tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in CONTINUING)
               for tok in doc[:draft.trigger.i])


def same_incident(a: Draft, b: Draft, paragraphs: list[int]) -> bool:
    """``b`` (later in the text) reports ``a``'s incident again. An outcome or a definite mention
    ("two died in the attack") may stand in the next paragraph; other reports in the same one."""
    if opens_new_incident(b):
        return False
    gap = paragraphs[b.sentence.index] - paragraphs[a.sentence.index]
    near = gap == 0 or (gap == 1 and is_outcome(b))
    return near and a.record.date is not None and a.record.date == b.record.date and _places_agree(a, b)


def _fold(kept: Draft, folded: Draft, sub: str, ctx: CodingContext, where: str) -> None:
    """Fold ``folded``'s report into ``kept``'s record."""
    rec, other = kept.record, folded.record
    rec.accounts += [a for a in other.accounts if a not in rec.accounts]
    for name in ("dead", "injured", "arrested", "civilians_dead"):
        if getattr(rec, name) is None:  # the kept report's own figure stands; the other fills a gap
            setattr(rec, name, getattr(other, name))
        told = [getattr(a, name) for a in rec.accounts if getattr(a, name, None) is not None]
        if len(told) > 1:  # sources disagree: the lowest figure counts, as in the attribution stage
            setattr(rec, name, min(told))
    rec.acled.fatalities = rec.dead if rec.acled.event_type else None
    sides = (bool(rec.actors), bool(rec.recipients))
    if not rec.actors and other.actors:
        rec.actors = list(other.actors)
    if not rec.recipients and other.recipients:
        rec.recipients = list(other.recipients)
    if sides != (bool(rec.actors), bool(rec.recipients)) and sub == "=":
        # a side learnt from the other report ("One person was injured") can change the ACLED type
        acled, new_sub, _ = acled_view(kept, following_sentences(ctx.sentences, kept),
                                       preceding_sentences(ctx.sentences, kept))
        if new_sub is not None and new_sub != rec.acled.sub_event_type:
            rec.acled.event_type, rec.acled.sub_event_type = acled, new_sub
            rec.reasons.append(f"acled: {new_sub}, once the other report named the "
                               f"{'recipients' if sides[1] != bool(rec.recipients) else 'actors'}")
    if _own_place(kept) is None and _own_place(folded) is not None:
        rec.location = other.location
        rec.acled.geo_precision = other.location.precision if other.location else None
    known = {s.text for s in rec.reported_by}
    rec.reported_by += [s for s in other.reported_by if s.text not in known]
    if sub == EXCESSIVE and not (rec.dead or rec.injured or other.mode == "firearms"):
        # ACLED: excessive force is lethal or seriously injuring violence; protesters attacked with
        # no one hurt and no gun fired ("were attacked by supporters; police intervened") is an intervention
        sub = "Protest with intervention"
        rec.reasons.append("acled: force used on the protest with no one hurt and no gun fired: an intervention")
    if sub != "=" and sub != rec.acled.sub_event_type:
        rec.acled.event_type, rec.acled.sub_event_type = acled_event_type_of(sub), sub
    start, end = min(rec.evidence.start, other.evidence.start), max(rec.evidence.end, other.evidence.end)
    rec.evidence = Evidence(text=ctx.text[start:end], start=start, end=end)
    trigger = other.trigger.text if other.trigger else other.event_type
    at = f" at {other.trigger.start}-{other.trigger.end}" if other.trigger else ""
    rec.reasons.append(f"incident: the report '{trigger}'{at} ({other.event_type}, "
                       f"{other.acled.sub_event_type}) is this incident again: {where}, same day and place")
    # the reports folded into the other one before come along, so every report stays traceable
    rec.reasons += [r for r in other.reasons if r.startswith("incident: the report") and r not in rec.reasons]


def _grievance_tokens(protest: Draft) -> set[int]:
    """Token indices of what a protest is about: its "against/over …" phrases and the objects of
    the demands made in its sentence; and of how it was made ("by beating pots")."""
    words = incident_words()
    doc, trigger = protest.sentence.doc, protest.trigger
    # "held a (protest) vigil against …": the phrase may hang on the noun or verb above the protest
    # word; "gathered in demonstration against …": or on the noun of the protest verb's preposition
    holders, node = [trigger], trigger
    for _ in range(2):
        if node.dep_ not in ("compound", "dobj", "nsubj", "nsubjpass") or node.head.i == node.i:
            break
        node = node.head
        holders.append(node)
    holders += [g for c in trigger.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    preps = [c for h in holders for c in h.children if c.dep_ == "prep"]
    preps += [conj for prep in preps for conj in prep.conjuncts]  # "in solidarity with …, and against …"
    heads = [p for p in preps if p.lower_ in words["grievance"]]
    # "protested by beating pots": how the protest was made, not an incident of its own
    heads += [c for c in trigger.children if c.dep_ == "prep" and c.lower_ == "by"]
    heads += [t for t in doc if t.lemma_.lower() in words["demand"] and t.i != trigger.i]
    roots = [child for head in heads for child in head.children]
    # "protested after a man was arrested": a clause of cause; "protesting the killings": the object
    roots += [c for c in trigger.children if c.dep_ == "advcl"
              and any(m.dep_ == "mark" and m.lower_ in words["grievance"] for m in c.children)]
    if trigger.pos_ == "VERB":
        roots += [c for c in trigger.children if c.dep_ == "dobj"]
    return {tok.i for root in roots for tok in root.subtree}


def set_aside_grievances(drafts: list[Draft]) -> None:
    """"Nurses protested against the arrest of their leader": the arrest is the protest's cause,
    not an incident of that day; it keeps its PLOVER coding and loses its ACLED view."""
    for protest in drafts:
        if protest.record.event_type != "PROTEST" or not protest.record.realized:
            continue
        inside = _grievance_tokens(protest)
        for draft in drafts:
            if draft is protest or draft.sentence is not protest.sentence or draft.trigger.i not in inside:
                continue
            rec = draft.record
            if rec.acled.event_type is not None:
                rec.acled = rec.acled.model_copy(update={"event_type": None, "sub_event_type": None, "fatalities": None})
                rec.reasons.append(f"acled: what the protest '{protest.trigger.text}' is about, not an incident of "
                                   "its own")


def _main_verb(token: Token) -> Token:
    while token.head.i != token.i:
        token = token.head
    return token


def _names_incident(subject: Token) -> bool:
    """"This happened after …", "It follows …", "The attack comes after …": the subject names the
    paragraph's incident again (a pronoun, or a definite event noun)."""
    words = incident_words()["anaphor"]
    if subject.lower_ in words or subject.lemma_.lower() in words:
        return True
    definite = any(c.dep_ in ("det", "poss") and c.lower_ in DEFINITE | {"its", "their"} for c in subject.children)
    return definite and (match_rule(subject) is not None or subject.lemma_.lower() in words)


def _perfect(head: Token, aux_tags: frozenset[str]) -> bool:
    return head.tag_ == "VBN" and any(c.dep_ in ("aux", "auxpass") and c.lemma_ == "have" and c.tag_ in aux_tags
                                      for c in head.children)


def background_cue(draft: Draft) -> Optional[str]:
    """Why a report is background to its paragraph's incident rather than an incident of its own,
    or None: an event tied to the incident as what came before it ("This followed a deadly
    explosion", "The attack comes after clashes last week", "following protests last week"), a
    pattern told in the present perfect ("There have been several attacks in the region"), or an
    event told in the past perfect ("He had received threats")."""
    words = incident_words()
    trigger = draft.trigger
    root = _main_verb(trigger)
    path = [c for c in trigger.children if c.dep_ == "mark"]  # "… after the contractor protested"
    node = trigger
    while node.head.i != node.i:
        node = node.head
        path.append(node)
        path += [c for c in node.children if c.dep_ == "mark"]

    def tied(kind: str) -> Optional[Token]:
        return next((t for t in path if t.lower_ in words[kind] or (t.pos_ == "VERB" and t.lemma_.lower() in words[kind])), None)

    link, tie = tied("link"), tied("tie")
    clause = _clause_of(trigger)
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    inside_subject = any(trigger in s.subtree for s in subjects)  # "The attack is linked to …" is the incident
    for cue, needs_time in ((link, False), (tie, True)):
        if cue is None or inside_subject:
            continue
        earlier = next((t for t in cue.subtree if t.lower_ in words["earlier"] and t.i != trigger.i), None)
        told_earlier = earlier is not None or _perfect(clause, frozenset({"VBD"}))
        if any(_names_incident(s) for s in subjects) and (told_earlier or not needs_time):
            return f"told as what came before the incident ('{cue.text}')"
        if told_earlier:
            return f"told as earlier ('{cue.text} … {earlier.text if earlier is not None else 'had'}')"
    # a main clause in the past perfect ("He had received threats"); in a relative clause it tells
    # the incident's own people ("migrants, who had taken to the streets")
    main = clause.i == root.i or (clause.dep_ == "conj" and clause.head.i == root.i)
    if main and _perfect(clause, frozenset({"VBD"})):
        return "told in the past perfect, before the incident"
    if _perfect(clause, frozenset({"VBP", "VBZ"})):
        span = list(clause.subtree)
        if trigger.tag_ == "NNS" and any(t.lower_ in words["habitual"] for t in span):
            return "a pattern told in the present perfect, not the day's incident"
    return None


def _clause_of(token: Token) -> Token:
    """The verb whose clause holds the token."""
    node = token
    while node.pos_ not in ("VERB", "AUX") and node.head.i != node.i:
        node = node.head
    return node


def set_aside_background(drafts: list[Draft], paragraphs: list[int]) -> None:
    """Reports told as the incident's background (``background_cue``) keep their PLOVER coding but
    no ACLED view, when their paragraph tells an incident of its own; alone, a report stays what
    the paragraph has ("As reported, gunmen had killed a farmer")."""
    cues = {id(d): background_cue(d) for d in drafts if is_incident(d.record)}
    for draft in drafts:
        cue = cues.get(id(draft))
        if cue is None:
            continue
        here = paragraphs[draft.sentence.index]
        if not any(id(d) in cues and cues[id(d)] is None and paragraphs[d.sentence.index] == here for d in drafts):
            continue
        rec = draft.record
        rec.acled = rec.acled.model_copy(update={"event_type": None, "sub_event_type": None, "fatalities": None})
        rec.reasons.append(f"acled: background to the paragraph's incident, {cue}; not an incident of its own")


# a decade names history, not the day's news ("where fighting occurred in the 1980s")
HISTORY = re.compile(r"\b(?:in|during|since)\s+the\s+(?:1[89]|20)?\d0s\b", re.IGNORECASE)
# ACLED sub-event types a paragraph often tells around an incident as part of its story
SIDE_REPORTS = frozenset({"Change to group/activity", "Other"})


def set_aside_side_reports(drafts: list[Draft], paragraphs: list[int]) -> None:
    """"Rangers were deployed to bring the situation under control", "guards fired warning shots":
    a group change or warning shots told in the paragraph of an incident on the same day are how
    it was answered or what led to it, not ACLED events of their own; and a second report of the
    same kind in a paragraph ("… brought reinforcements. The convoy entered …") is the first again.
    They keep their PLOVER coding and lose their ACLED view."""
    for draft in drafts:
        rec = draft.record
        if rec.acled.sub_event_type not in SIDE_REPORTS or not rec.realized:
            continue
        # told in another sentence of the paragraph: in the report's own sentence an incident is its
        # setting ("reinforcements arrived as battles continue")
        near = [d for d in drafts if d is not draft and d.record.realized and d.record.date == rec.date
                and d.sentence is not draft.sentence and not HISTORY.search(d.sentence.text)
                and paragraphs[d.sentence.index] == paragraphs[draft.sentence.index]]
        main = next((d for d in near if is_incident(d.record) and d.record.acled.sub_event_type not in SIDE_REPORTS), None)
        why = "part of the story of the incident"
        if main is None:
            main = next((d for d in near if d.record.acled.sub_event_type == rec.acled.sub_event_type
                         and text_order(d) < text_order(draft)), None)
            why = "the same development as"
        if main is not None:
            rec.acled = rec.acled.model_copy(update={"event_type": None, "sub_event_type": None, "fatalities": None})
            rec.reasons.append(f"acled: {why} '{main.trigger.text}' in its paragraph, not an event of its own")


@stage("incidents")
def merge_incidents(ctx: CodingContext) -> None:
    """Merge same-incident reports (see module docstring), then number the records."""
    drafts = sorted(ctx.drafts, key=text_order)
    set_aside_grievances(drafts)
    paragraphs = paragraph_numbers(ctx) if drafts else []
    set_aside_background(drafts, paragraphs)
    set_aside_side_reports(drafts, paragraphs)
    incidents: list[Draft] = []  # the records kept so far, in text order
    kept_drafts: list[Draft] = []
    for draft in drafts:
        if is_incident(draft.record):
            lead = next((d for d in reversed(incidents) if same_incident(d, draft, paragraphs)), None)
            keep, sub = merge_rule(lead, draft) if lead is not None else ("apart", "=")
            if keep != "apart":
                gap = paragraphs[draft.sentence.index] - paragraphs[lead.sentence.index]
                where = "same paragraph" if gap == 0 else "the next paragraph"
                if keep == "second":
                    _fold(draft, lead, sub, ctx, where)
                    incidents = [draft if d is lead else d for d in incidents]
                    kept_drafts = [draft if d is lead else d for d in kept_drafts]
                else:
                    _fold(lead, draft, sub, ctx, where)
                continue
            incidents.append(draft)
        kept_drafts.append(draft)
    ctx.drafts = kept_drafts
    number_records(ctx)
