"""The ``places`` stage: where each event happened.

The article's place names are found and resolved once, jointly (``ctx.memo["places"]``). Then each
event takes, in this order:
1. a place linked to its trigger in the trigger's own clause: the object of a locative preposition
   ("protests in Yerevan", "clashes near Kharkiv", "in the region of Z"), the object of the event noun
   ("the shelling of Stepanakert"), a name compounded with it ("the Yerevan protests"), or a
   nationality on a place noun ("shelled Azerbaijani positions" -> Azerbaijan);
2. else the nearest place in the same sentence;
3. else the last place named in the sentence or two before it, in the same paragraph;
4. else the place the article has established (its dateline, else its most mentioned place).
A capital or country used for its government ("Baku said", "Washington supports", "Azerbaijan's
aggression") or inside an actor's name ("the Armed Forces of Armenia") is never the event's place.
ACLED geo_precision: 1 a town, 2 near a town or part of a region, 3 a region or country only.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Optional

from spacy.tokens import Span, Token

from eventcoder.pipeline import CodingContext, Draft, Sentence, stage
from eventcoder.places.gazetteer import DATA_DIR, HOW_DEMONYM, get_gazetteer
from eventcoder.places.mentions import mentions_in_doc, overlaps, scan
from eventcoder.places.resolve import Mention, Resolution, resolve_mentions, to_location
from eventcoder.record import Location

LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "around", "across", "throughout", "into", "on", "within",
                  "along", "over", "off", "beyond", "to", "toward", "towards", "through", "from", "nearby", "close"}
# Prepositions whose object is a party or a topic, not a place where something happened.
NON_PLACE_PREPS = {"against", "with", "by", "for", "about", "between", "than", "like"}
CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "xcomp", "csubj", "acl", "parataxis", "pcomp"}
ACTOR_DEPS = {"nsubj", "nsubjpass", "poss", "agent"}
# "in addition to X", "according to X", "due to X": "to" that does not say where.
NOT_LOCATIVE_HEADS = {"addition", "according", "due", "thanks", "prior", "opposition", "appeal", "letter", "message"}
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_DATELINE = re.compile(r"^\s*([A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+){0,3})\s*(?:,|\(|—|–|-)")


def _word_list(name: str) -> frozenset[str]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def near_words() -> frozenset[str]:
    return _word_list("near_words.txt")


@functools.lru_cache(maxsize=1)
def location_nouns() -> frozenset[str]:
    return _word_list("location_nouns.txt")


@dataclass
class ArticlePlace:
    """A resolved place name of the article, with what its sentence says about its role."""

    mention: Mention
    resolution: Resolution
    sentence: Sentence
    span: Optional[Span]  # tokens in the sentence's parse, when it was parsed
    demonym: bool  # "Azerbaijani": a nationality, a place only in a few constructions
    actor_like: bool  # a government named by its capital or country, or part of an actor's name
    dateline: bool = False

    @property
    def location(self) -> Location:
        return to_location(self.mention, self.resolution)


def _span_of(sentence: Sentence, mention: Mention) -> Optional[Span]:
    if sentence.doc is None:
        return None
    return sentence.doc.char_span(mention.start - sentence.start, mention.end - sentence.start, alignment_mode="expand")


def _governing_prep(span: Span) -> Optional[Token]:
    """The preposition whose object the place is (through "X and Y" and appositions)."""
    token = span.root
    while token.dep_ in ("conj", "appos") and token.head.i != token.i:
        token = token.head
    if token.dep_ == "pobj" and token.head.dep_ in ("prep", "agent", "dative") or (token.dep_ == "pobj" and token.head.pos_ == "ADP"):
        return token.head
    return None


def _actor_like(place: ArticlePlace, actor_spans: list[tuple[int, int]]) -> bool:
    """A capital, country or state standing for its government ("Baku said", "Azerbaijan's aggression",
    "in addition to the United States, ... Russia have asked"), or a name inside an actor's or an
    organisation's name ("the Armed Forces of Armenia", "the Nagorno Karabakh authorities")."""
    if place.mention.inside in ("ORG", "PERSON", "NORP"):
        return True
    if place.span is None:
        return False
    root = place.span.root
    while root.dep_ == "conj" and root.head.i != root.i:  # "the UN and Russia have asked": Russia is a subject too
        root = root.head
    prep = root.head if root.dep_ == "pobj" else None
    locative = prep is not None and prep.lower_ in LOCATIVE_PREPS and prep.head.lemma_.lower() not in NOT_LOCATIVE_HEADS
    if not locative and any(overlaps((place.mention.start, place.mention.end), span) for span in actor_spans):
        return True
    if place.resolution.place.kind not in ("capital", "country", "admin1"):  # units with a government
        return False
    if root.dep_ in ACTOR_DEPS or any(child.tag_ == "POS" for child in root.children):
        return True
    if prep is not None and not locative:
        if prep.lower_ == "of":  # "the Presidency of Azerbaijan" is an actor; "the region of X" a place
            return prep.head.ent_type_ in ("ORG", "NORP", "PERSON")
        return True
    return False


def article_places(ctx: CodingContext) -> list[ArticlePlace]:
    """Every place name of the article, resolved jointly; computed once per article."""
    if "places" in ctx.memo:
        return ctx.memo["places"]  # type: ignore[return-value]
    gazetteer = get_gazetteer()
    found: list[tuple[Mention, Sentence]] = []
    for sentence in ctx.sentences:
        if sentence.doc is not None:
            mentions = mentions_in_doc(sentence.doc, gazetteer, offset=sentence.start, demonyms=True)
        else:
            mentions = scan(sentence.text, gazetteer, demonyms=True, offset=sentence.start)
        found += [(m, sentence) for m in mentions]
    actor_refs = [a for d in ctx.drafts for a in (*d.record.actors, *d.record.recipients)]
    actor_countries = {a.country for a in actor_refs if a.country and len(a.country) == 3}
    resolved = resolve_mentions(ctx.text, [m for m, _ in found], actor_countries, gazetteer)
    actor_spans = [(a.start, a.end) for a in actor_refs]
    dateline = _DATELINE.match(ctx.text)
    places: list[ArticlePlace] = []
    for (mention, sentence), resolution in zip(found, resolved):
        if resolution is None:
            continue
        place = ArticlePlace(mention, resolution, sentence, _span_of(sentence, mention),
                             demonym=resolution.how == HOW_DEMONYM, actor_like=False)
        place.actor_like = not place.demonym and _actor_like(place, actor_spans)
        place.dateline = bool(dateline) and mention.start == dateline.start(1) and mention.end <= dateline.end(1)
        places.append(place)
    ctx.memo["places"] = places
    return places


def _clause_head(token: Token) -> Token:
    while token.dep_ not in CLAUSE_DEPS and token.head.i != token.i:
        token = token.head
    return token


def _with_precision(location: Location, precision: int, reason: str) -> Location:
    return location.model_copy(update={"precision": max(location.precision or 3, precision), "reason": reason})


def _linked(draft: Draft, places: list[ArticlePlace]) -> Optional[Location]:
    """A place tied to the trigger within its clause, best first."""
    trigger = draft.trigger
    clause = _clause_head(trigger)
    ranked: list[tuple[int, int, Location]] = []
    for place in places:
        if place.span is None or place.actor_like:
            continue
        root = place.span.root
        # spaCy makes a new Token object on each access: compare positions, not identities
        if _clause_head(root).i != clause.i and root.head.i != trigger.i and _clause_head(root.head).i != clause.i:
            continue
        loc = place.location
        distance = abs(root.i - trigger.i)
        if place.demonym:
            # "shelled Azerbaijani positions": a nationality on a place noun near the trigger
            if root.dep_ == "amod" and root.head.lemma_.lower() in location_nouns():
                ranked.append((2, distance, _with_precision(
                    loc, 3, f"'{place.mention.text} {root.head.text}' puts the {trigger.text} in {loc.name}")))
            continue
        prep = _governing_prep(place.span)
        if prep is not None:
            word = prep.lower_
            holder = prep.head  # "in the region of Z": the place is the object of "of" under "region"
            if word == "of" and holder.lemma_.lower() in near_words():
                outer = holder.head if holder.dep_ == "pobj" else None
                ranked.append((0, distance, _with_precision(
                    loc, 2, f"'{(outer.text + ' ') if outer is not None else ''}the {holder.text} of {place.mention.text}': "
                            f"near {loc.name} or part of it ({_what(loc)})")))
            elif word == "of" and holder.i == trigger.i:
                ranked.append((0, distance, _with_precision(
                    loc, loc.precision or 3, f"'{trigger.text} of {place.mention.text}': the event's object is {loc.name} ({_what(loc)})")))
            elif word in near_words() or (word == "to" and prep.head.lower_ == "close"):
                ranked.append((0, distance, _with_precision(
                    loc, 2, f"'{word} {place.mention.text}' in the event's clause: near {loc.name} ({_what(loc)})")))
            elif word in LOCATIVE_PREPS:
                ranked.append((0, distance, _with_precision(
                    loc, loc.precision or 3, f"'{word} {place.mention.text}' in the event's clause: {loc.name} ({_what(loc)})")))
            continue
        if root.dep_ in ("compound", "amod", "nmod") and root.head.i == trigger.i:
            ranked.append((1, distance, _with_precision(
                loc, loc.precision or 3, f"'{place.mention.text} {trigger.text}': {loc.name} ({_what(loc)})")))
    if not ranked:
        return None
    ranked.sort(key=lambda item: (item[0], item[1]))
    return ranked[0][2]


def _what(loc: Location) -> str:
    return {1: "a town", 2: "part of a region", 3: "a region or country"}.get(loc.precision or 3, "a place")


def _nearest_in_sentence(draft: Draft, places: list[ArticlePlace]) -> Optional[Location]:
    trigger_at = draft.sentence.char(draft.trigger)
    best: Optional[tuple[int, ArticlePlace]] = None
    for place in places:
        if place.actor_like or place.demonym:
            continue
        if place.span is not None:
            prep = _governing_prep(place.span)
            if prep is not None and prep.lower_ in NON_PLACE_PREPS:
                continue
        distance = min(abs(place.mention.start - trigger_at), abs(place.mention.end - trigger_at))
        if best is None or distance < best[0]:
            best = (distance, place)
    if best is None:
        return None
    loc = best[1].location
    return _with_precision(loc, loc.precision or 3, f"nearest place to '{draft.trigger.text}' in its sentence: {loc.name} ({_what(loc)})")


def _earlier_in_paragraph(draft: Draft, places: list[ArticlePlace], text: str) -> Optional[Location]:
    """The last place named in the one or two sentences before the event's, in the same paragraph
    ("... the Russian Embassy in Yerevan. The riots caused injuries ...")."""
    index = draft.sentence.index
    earlier = [p for p in places if index - 2 <= p.sentence.index < index and not p.actor_like and not p.demonym
               and p.resolution.place.kind not in ("continent", "water")]
    earlier = [p for p in earlier if not _PARAGRAPH_BREAK.search(text[p.mention.end:draft.sentence.start])]
    if not earlier:
        return None
    place = max(earlier, key=lambda p: p.mention.start)
    loc = place.location
    return _with_precision(loc, loc.precision or 3, f"no place in the event's sentence; the sentence before it in the "
                                                    f"paragraph names {loc.name} ({_what(loc)})")


def _established(places: list[ArticlePlace]) -> Optional[Location]:
    """The article's own place: its dateline, else the place it names most (first named on a tie)."""
    usable = [p for p in places if not p.actor_like and not p.demonym and p.resolution.place.kind not in ("continent", "water")]
    for place in usable:
        if place.dateline:
            loc = place.location
            return _with_precision(loc, 2, f"no place in the event's sentence; the article's dateline is {loc.name}")
    counts: dict[int, list[ArticlePlace]] = {}
    for place in usable:
        counts.setdefault(place.resolution.place.id, []).append(place)
    if not counts:
        return None
    group = max(counts.values(), key=lambda g: (len(g), -g[0].mention.start))
    loc = group[0].location
    return _with_precision(loc, 2, f"no place in the event's sentence; the article names {loc.name} most often "
                                   f"({len(group)} time{'s' if len(group) > 1 else ''})")


def locate(draft: Draft, places: list[ArticlePlace], text: str) -> Optional[Location]:
    """The location of one event (see the module's docstring for the order of the rules)."""
    in_sentence = [p for p in places if p.sentence.index == draft.sentence.index]
    location = _linked(draft, in_sentence)
    if location is None:
        location = _nearest_in_sentence(draft, in_sentence)
        if location is None:
            location = _earlier_in_paragraph(draft, places, text)
        if location is None:
            location = _established(places)
        if location is not None:
            draft.record.reasons.append(f"location: {location.reason}")
    return location


@stage("places")
def locate_events(ctx: CodingContext) -> None:
    """Fill ``record.location`` of every draft."""
    if not ctx.drafts:
        return
    places = article_places(ctx)
    for draft in ctx.drafts:
        location = locate(draft, places, ctx.text)
        draft.record.location = location
        if location is None:
            draft.record.reasons.append("location: the article names no place")
