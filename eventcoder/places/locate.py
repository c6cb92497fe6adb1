"""The ``places`` stage: where each event happened.

The article's place names are found and resolved once, jointly (``ctx.memo["places"]``), together
with the place phrases that write a name inside its containers ("in Tieba (Bankass, Mopti)",
"near Opytne, Donetsk", ``phrases``): a name is read as a place inside its containers, and a name
no gazetteer holds stands in for its nearest known container. Then each event takes, in this order:
1. a place linked to its trigger in the trigger's own clause: the object of a locative preposition
   ("protests in Yerevan", "clashes near Kharkiv", "in the region of Z"), the object of the event noun
   ("the shelling of Stepanakert"), a name compounded with it ("the Yerevan protests"), or a
   nationality on a place noun ("shelled Azerbaijani positions" -> Azerbaijan); a town or province
   before a country ("protesters from the movement in Lebanon demonstrated in Baalbek");
   A place the event only came from or went to ("arrival from Istanbul") is left to rule 2;
2. else the nearest place in the same sentence: a town before a district or province, a country
   only if the sentence names nothing smaller, a place of movement ("from", "to") last;
3. else the last place named in the sentence or two before it, in the same paragraph (a town or
   province before a country);
4. else the place the article has established (its dateline, else its most mentioned place);
5. else the town or province an acting authority is named after ("Van Governor's Office");
6. else the country the article's names agree on (or a one-country mission's area, or the one
   country its one-country clues and unit words point to: "the Seray", "Upazila");
7. last resorts, each said in the reason: the village a place phrase names where only villages of one
   country bear the name, then the one country whose towns of 20,000 or more an unknown name is spelt
   closely to; such a guess from a spelling yields to the country of the event's own actors.
Whatever the rule found, the event goes to the most specific link of that place's phrase ("in
Menakuru village (Nellore, AP)" -> Menakuru, or Nellore standing in for it when no gazetteer holds
Menakuru; "in Kindia town (Kindia-Centre, Kindia)" -> Kindia town, past the unknown middle link). A capital or country used for its government ("Baku said", "Washington supports",
"Azerbaijan's aggression"), inside an actor's name ("the Armed Forces of Armenia") or as an
attribute ("the US dollar") is never the event's place, nor is a small place abroad that nothing
else in the article points to (country consistency). The admin1 reported is the article's own
spelling of the unit where it names it, else its English name from the gazetteer.
ACLED geo_precision: 1 a town, 2 near a town or part of a region, 3 a region or country only; an
event known only to its province or district is placed at the unit's largest town (its seat, as a rule),
one known only to its country at the capital. The admin1 reported is the name the curated table
``data/admin1_reported.tsv`` gives the unit (the names monitoring datasets use), where it has one.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

from spacy.tokens import Span, Token

from eventcoder.pipeline import CodingContext, Draft, Sentence, stage
from eventcoder.places.gazetteer import (
    DATA_DIR,
    HOW_ALTERNATE,
    HOW_DEMONYM,
    HOW_NAME,
    HOW_SKELETON,
    LOCAL_TOWN_KINDS,
    TOWN_KINDS,
    Candidate,
    Gazetteer,
    Place,
    get_gazetteer,
    name_key,
    skeleton,
)
from eventcoder.places.mentions import (
    UnknownPlace, close_spellings, mentions_in_doc, overlaps, people_of_place, scan, with_phrases,
)
from eventcoder.places.phrases import unit_hints, words as phrase_words
from eventcoder.places.resolve import (
    Mention,
    Resolution,
    admin1_name,
    chain_of,
    comma_chains,
    reported_admin1,
    contains,
    haversine_km,
    resolve_mentions,
    to_location,
    unknown_because,
)
from eventcoder.record import Location

LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "around", "across", "throughout", "into", "on", "within",
                  "along", "over", "off", "beyond", "to", "toward", "towards", "through", "from", "nearby", "close"}
# Prepositions of movement: "the body's arrival from Istanbul", "were taken to Damascus" name where
# someone came from or went, a weaker sign of the event's place than "in", "at" or "near".
DIRECTIONAL_PREPS = {"from", "to", "toward", "towards"}
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


@dataclass(frozen=True)
class Mission:
    """A mission named in the text that works in one country only (``data/mission_countries.tsv``)."""

    start: int
    end: int
    text: str
    country: str
    area: tuple[str, ...] = ()  # admin1 units (gazetteer spelling) where its reported work lies, if known


@functools.lru_cache(maxsize=1)
def _mission_patterns() -> tuple[tuple[re.Pattern, str, tuple[str, ...]], ...]:
    lines = [line for line in (DATA_DIR / "mission_countries.tsv").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    rows = [line.split("\t") for line in lines[1:]]  # the first line is the header
    # longest names first, so that "OSCE Special Monitoring Mission" is read whole
    rows.sort(key=lambda row: -len(row[0]))
    return tuple((re.compile(r"(?<![\w-])" + re.escape(row[0]) + r"(?![\w-])"), row[1].strip(),
                  tuple(unit.strip() for unit in (row[2] if len(row) > 2 else "").split(";") if unit.strip()))
                 for row in rows)


def missions_named(text: str) -> list[Mission]:
    """The one-country missions the text names ("the OSCE SMM observed ..." -> Ukraine)."""
    found: list[Mission] = []
    for pattern, country, area in _mission_patterns():
        for match in pattern.finditer(text):
            if not any(overlaps((match.start(), match.end()), (m.start, m.end)) for m in found):
                found.append(Mission(match.start(), match.end(), match.group(), country, area))
    return sorted(found, key=lambda m: m.start)


@functools.lru_cache(maxsize=1)
def _clue_patterns() -> _WordTable:
    return _country_word_patterns("country_clues.tsv")


@dataclass(frozen=True)
class _WordTable:
    """A two-column table (words, country) as one whole-word pattern: one pass over a text, whatever
    the table's length."""

    pattern: re.Pattern
    country: dict[str, str]  # word (case-folded when the pattern ignores case) -> country
    rank: dict[str, int]  # word -> its place in the table, longest words first

    def matches(self, text: str) -> list[Mission]:
        fold = self.pattern.flags & re.IGNORECASE
        found = [(m, m.group().casefold() if fold else m.group()) for m in self.pattern.finditer(text)]
        return [Mission(m.start(), m.end(), m.group(), self.country[key])
                for m, key in sorted(found, key=lambda item: (self.rank[item[1]], item[0].start()))]


def _country_word_patterns(table: str, flags: int = 0) -> _WordTable:
    """A two-column table (words, country) as one whole-word pattern, longest words first."""
    lines = [line for line in (DATA_DIR / table).read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    rows = sorted((line.split("\t") for line in lines[1:]), key=lambda row: -len(row[0]))
    key = (lambda word: word.casefold()) if flags & re.IGNORECASE else (lambda word: word)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(row[0]) for row in rows) + r")(?![\w-])", flags)
    return _WordTable(pattern, {key(row[0]): row[1].strip() for row in rows},
                      {key(row[0]): i for i, row in reversed(list(enumerate(rows)))})


def country_clues(text: str) -> list[Mission]:
    """Names of things of one country only (``data/country_clues.tsv``: "the Seray", "the LNA"),
    as context for the article's places; each is read as its country's mention, never as a place."""
    return _clue_patterns().matches(text)


@functools.lru_cache(maxsize=1)
def _unit_word_patterns() -> _WordTable:
    return _country_word_patterns("unit_word_countries.tsv", re.IGNORECASE)


def unit_word_clues(text: str) -> list[Mission]:
    """Unit words one country alone uses (``data/unit_word_countries.tsv``: "Upazila", "barangay"),
    as context for the article's places; they stay part of the place phrases they end or begin."""
    return sorted(_unit_word_patterns().matches(text), key=lambda m: m.start)


# non-state armed groups, parties and police act in their own country; armies, governments and
# coalitions are often abroad ("the Saudi-led coalition" in Yemen, "Operation Barkhane" in Mali)
HOME_SECTORS = frozenset({"REB", "UAF", "PTY", "COP"})


def home_group_clues(text: str, day: Optional[str] = None) -> list[Mission]:
    """Armed groups, parties and police forces of one country that the text names anywhere ("the
    STC", "Dan Na Ambassagou"), from the actor dictionary."""
    from eventcoder.actors.dictionary import organisations_in  # actors borrow from places too

    return [Mission(start, end, text[start:end], entry.country) for start, end, entry in organisations_in(text, day)
            if entry.sector in HOME_SECTORS and entry.country and len(entry.country) == 3]


_READ_OFF = re.compile(r"country from '([^']+)'")


def _country_read_off(reason: Optional[str], place_keys: set[str]) -> bool:
    """Whether an actor's country was taken from one of the article's place names (its reason
    says "country from '<name>'")."""
    found = _READ_OFF.search(reason or "")
    return found is not None and name_key(found.group(1)) in place_keys


_NEXT_WORD = re.compile(r"\s*([A-Za-z]+)")


def _currency_label(text: str, mention: Mention) -> bool:
    """A country's name before a currency word ("the high US dollar exchange rate") names the
    currency: no place, and no sign of where the news is (a nationality before it, "the Lebanese
    pound", still says whose news it is)."""
    after = _NEXT_WORD.match(text, mention.end)
    return after is not None and after.group(1).lower() in phrase_words("currency") and \
        any(c.place.kind == "country" and c.how in (HOW_NAME, HOW_ALTERNATE) for c in mention.candidates)


def _foreign_mission_label(text: str, mention: Mention) -> bool:
    """A country's name or nationality before an embassy word ("outside the Turkish embassy", "the US
    consulate in Erbil") names the state whose mission it is: the mission stands abroad, so the name
    is no place and no sign of where the news is."""
    after = _NEXT_WORD.match(text, mention.end)
    return after is not None and after.group(1).lower() in phrase_words("foreign_mission_noun") and \
        any(c.place.kind == "country" for c in mention.candidates)


def mission_area(mission: Mission, gazetteer: Gazetteer) -> list[Place]:
    """The admin1 units of a mission's area, as gazetteer places (the table's order)."""
    units: list[Place] = []
    for name in mission.area:
        units += [c.place for c in gazetteer.candidates(name)
                  if c.place.kind == "admin1" and c.place.country == mission.country and c.place.name == name][:1]
    return units


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
    container: Optional["ArticlePlace"] = None  # the place it is written inside ("Tieba (Bankass, Mopti)")
    stand_in: bool = False  # a name no gazetteer holds, located by its container (``resolution`` is the container's)
    admin1_spelling: Optional[str] = None  # how the article spells the admin1 unit of the place
    doubtful: bool = False  # a small place abroad that nothing else in the article points to

    @functools.cached_property
    def location(self) -> Location:  # read after article_places has settled every field
        if self.stand_in:
            return self._stand_in_location()
        location = to_location(self.mention, self.resolution, self.admin1_spelling)
        if self.resolution.place.kind in ("admin1", "admin2"):
            # an event known only to its province or district: ACLED puts it at the unit's seat
            lat, lon = fallback_point(self.resolution.place)
            location = location.model_copy(update={"lat": lat, "lon": lon})
        elif self.resolution.place.kind == "country":
            location = at_capital(location)
        return location

    def _stand_in_location(self) -> Location:
        """The container's place for a name no gazetteer holds: ACLED's geo_precision 2 for a
        town or district around it, 3 for a province."""
        holder = self.resolution.place
        point = fallback_point(holder)
        precision = 2 if holder.kind in TOWN_KINDS + ("admin2", "area") else 3
        return Location(
            text=self.mention.text, name=holder.name, geonameid=holder.geonameid, lat=point[0], lon=point[1],
            country=holder.country, admin1=self.admin1_spelling or admin1_name(holder), precision=precision,
            reason=f"'{self.mention.text}' is in no gazetteer; it is written inside {holder.name} "
                   f"({'a town or district' if precision == 2 else 'a province or region'}), which locates it",
            start=self.mention.start, end=self.mention.end)


def at_capital(location: Location) -> Location:
    """An event known only to its country is placed at the capital (as ACLED does for national
    events: "lawmakers approved a new government"), in the capital's admin1; it keeps the country's
    name and precision 3."""
    capital = get_gazetteer().capital(location.country) if location.country else None
    if capital is None:
        return location
    return location.model_copy(update={"lat": capital.lat, "lon": capital.lon, "admin1": admin1_name(capital),
                                       "reason": f"{location.reason}; placed at its capital, {capital.name}"})


def country_at_capital(country: Place, reason: str, text: Optional[str] = None, start: Optional[int] = None,
                       end: Optional[int] = None) -> Location:
    """An event known only to ``country`` (a gazetteer country), at its capital (``at_capital``)."""
    return at_capital(Location(text=text, name=country.name, geonameid=country.geonameid, lat=country.lat,
                               lon=country.lon, country=country.country, precision=3, start=start, end=end,
                               reason=reason))


def fallback_point(place: Place) -> tuple[float, float]:
    """Where to put an event known only to lie in an admin unit: the town of the district's own
    name in its province (a district is named after its seat: Gaalkacyo), else the unit's largest
    town (the seat, usually, where ACLED puts such events), else the unit's centre."""
    gazetteer = get_gazetteer()
    if place.kind == "admin2" and place.country and place.admin1:
        namesakes = [c.place for c in gazetteer.lookup(name_key(place.name)) if c.how == HOW_NAME
                     and c.place.kind in TOWN_KINDS and (c.place.country, c.place.admin1) == (place.country, place.admin1)]
        if namesakes:
            seat = max(namesakes, key=lambda town: town.population or 0)
            return seat.lat, seat.lon
    if place.kind in ("admin1", "admin2") and place.country and place.admin1:
        town = gazetteer.largest_town(place.country, place.admin1, place.admin2 if place.kind == "admin2" else None)
        if town is not None:
            return town.lat, town.lon
    return place.lat, place.lon


def _span_of(sentence: Sentence, mention: Mention) -> Optional[Span]:
    if sentence.doc is None:
        return None
    return sentence.doc.char_span(mention.start - sentence.start, mention.end - sentence.start, alignment_mode="expand")


def _governing_prep(span: Span, compounds: bool = False) -> Optional[Token]:
    """The preposition whose object the place is (through "X and Y" and appositions, and through a
    unit word the name is compounded with: "in Atakent town"; with ``compounds``, through any noun
    a name is compounded with: "the road that leads to Camargo community")."""
    token = span.root
    while (token.dep_ in ("conj", "appos") or token.dep_ == "compound" and token.head.pos_ in ("NOUN", "PROPN")
           and (compounds or token.head.lower_ in phrase_words("compound_unit"))) and token.head.i != token.i:
        token = token.head
    if token.dep_ == "pobj" and token.head.dep_ in ("prep", "agent", "dative") or (token.dep_ == "pobj" and token.head.pos_ == "ADP"):
        return token.head
    return None


def _mislabelled(place: ArticlePlace) -> bool:
    """NER's label for an unfamiliar town: a person or nationality, or an organisation that is
    the name alone (not "the Guanare Farmers' Union")."""
    if place.mention.inside in ("PERSON", "NORP"):
        return True
    return place.mention.inside == "ORG" and place.span is not None and \
        any(ent.start == place.span.start and ent.end == place.span.end for ent in place.span.doc.ents)


_PARTICIPLE_AFTER = re.compile(r"[\s-]+([A-Za-z]+)")
_WORD_AFTER = re.compile(r"(?:'s)? ([a-z]+)")  # lower case: "Mendez farm", not "Mendez Farm Road"


def _home_of_people(place: ArticlePlace) -> bool:
    """A town named as the home of the people who act ("residents of Hasbaya", "the villagers of
    Blida"): the place is where they are, whatever label NER gave the name."""
    if place.span is None or place.resolution.place.kind not in TOWN_KINDS + ("admin2", "area"):
        return False
    root = place.span.root
    if root.dep_ in ("compound", "amod", "poss", "nmod") and root.head.lemma_.lower() in phrase_words("of_people_noun"):
        return True  # "Bsharri residents"
    return root.dep_ == "pobj" and people_of_place(root.head)  # "residents of Hasbaya"


def _actor_like(place: ArticlePlace, actor_spans: list[tuple[int, int]]) -> bool:
    """A capital, country or state standing for its government ("Baku said", "Azerbaijan's aggression",
    "in addition to the United States, ... Russia have asked"), or a name inside an actor's or an
    organisation's name ("the Armed Forces of Armenia", "the Nagorno Karabakh authorities")."""
    if _home_of_people(place):
        return False  # "residents of Hasbaya protested": where the actors live and acted, not who they are
    if place.mention.inside in ("ORG", "PERSON", "NORP"):
        return True
    participle = _PARTICIPLE_AFTER.match(place.sentence.text, place.mention.end - place.sentence.start)
    if place.resolution.place.kind in ("country", "capital") and participle and \
            participle.group(1).lower() in phrase_words("attribute_participle"):
        return True  # "a Turkey backed faction", "Washington-funded programmes": whose, not where
    following = _WORD_AFTER.match(place.sentence.text, place.mention.end - place.sentence.start)
    if place.resolution.place.kind not in ("country", "admin1") and following and \
            following.group(1) in phrase_words("organisation_noun"):
        return True  # "the Meade company", "Badr organization": a name of something, not where
    if place.resolution.place.kind in TOWN_KINDS and following and following.group(1) in phrase_words("water_noun"):
        return True  # "near the San Juan river": a river named like a town far away, not the town
    if place.span is None:
        # an unparsed sentence: a country name right before a common noun is an attribute ("the
        # high US dollar exchange rate")
        after = re.match(r"\s+([a-z]+)", place.sentence.text[place.mention.end - place.sentence.start:])
        before = re.search(r"([a-z]+)\s+(?:the\s+)?$", place.sentence.text[:place.mention.start - place.sentence.start])
        return place.resolution.place.kind == "country" and after is not None and \
            after.group(1) not in location_nouns() and after.group(1) not in phrase_words("not_attribute_after") and \
            (before is None or before.group(1) not in LOCATIVE_PREPS)
    root = place.span.root
    while root.dep_ == "conj" and root.head.i != root.i:  # "the UN and Russia have asked": Russia is a subject too
        root = root.head
    prep = root.head if root.dep_ == "pobj" else None
    locative = prep is not None and prep.lower_ in LOCATIVE_PREPS and prep.head.lemma_.lower() not in NOT_LOCATIVE_HEADS
    # a name read from a place phrase ("in Acapulco, Guerrero, ...") is a place even where the actor
    # stage, misled by the parse, took it for part of an actor
    if not locative and not place.mention.phrase and \
            any(overlaps((place.mention.start, place.mention.end), span) for span in actor_spans):
        return True
    if place.resolution.place.kind == "country" and root.dep_ in ("compound", "amod", "nmod") and \
            root.head.pos_ in ("NOUN", "PROPN") and root.head.lemma_.lower() not in location_nouns():
        return True  # "the US dollar", "a Turkey backed faction": an attribute, not a place
    if place.resolution.place.kind not in ("capital", "country", "admin1"):  # units with a government
        return False
    if root.dep_ in ACTOR_DEPS or any(child.tag_ == "POS" for child in root.children):
        return True
    if prep is not None and not locative:
        if prep.lower_ == "of":  # "the Presidency of Azerbaijan" is an actor; "the region of X" a place
            return prep.head.ent_type_ in ("ORG", "NORP", "PERSON")
        return True
    return False


def _inside_a_clue(mention: Mention, clues: list[Mission]) -> bool:
    return any(c.start <= mention.start and mention.end <= c.end and (c.end - c.start) > (mention.end - mention.start)
               for c in clues)


def article_places(ctx: CodingContext) -> list[ArticlePlace]:
    """Every place name of the article, resolved jointly; computed once per article."""
    if "places" in ctx.memo:
        return ctx.memo["places"]  # type: ignore[return-value]
    gazetteer = get_gazetteer()
    found: list[tuple[Mention, Sentence]] = []
    links: dict[int, int] = {}
    unknown: list[tuple[UnknownPlace, Sentence]] = []
    missions = [m for m in missions_named(ctx.text) if gazetteer.country(m.country) is not None]
    ctx.memo["missions"] = missions
    # countries that vouch for other spellings of a phrase's provinces and districts ("Galgaduud"):
    # a one-country mission, a one-country clue, or the one country the event's actors come from
    one_country_things = [c for c in country_clues(ctx.text) if gazetteer.country(c.country) is not None]
    home_groups = [c for c in home_group_clues(ctx.text, ctx.article.date) if gazetteer.country(c.country) is not None]
    clues = one_country_things + [c for c in unit_word_clues(ctx.text) if gazetteer.country(c.country) is not None] + \
        home_groups
    ctx.memo["clues"] = clues
    actor_nations = {a.country for d in ctx.drafts for a in (*d.record.actors, *d.record.recipients)
                     if a.country and len(a.country) == 3 and gazetteer.country(a.country) is not None}
    vouching = frozenset(m.country for m in missions) | frozenset(c.country for c in clues) | \
        (frozenset(actor_nations) if len(actor_nations) == 1 else frozenset())
    # the names of one-country things ("outside the Banque du Liban in Nabatiye") are no place phrase
    # nor are those of armed groups and parties ("clashes between Al Hamza Division and ...": no unit
    # called Al Hamza)
    not_places = [(c.start, c.end) for c in one_country_things + home_groups] + [(m.start, m.end) for m in missions]
    for sentence in ctx.sentences:
        if sentence.doc is not None:
            mentions = mentions_in_doc(sentence.doc, gazetteer, offset=sentence.start, demonyms=True)
        else:
            mentions = scan(sentence.text, gazetteer, demonyms=True, offset=sentence.start)
        # a name inside a one-country thing's name ("Gulf" in "the Gulf Cartel", "Turkistan" in the
        # "Turkistan Islamic Party") is part of that name, not a place; the thing says its country
        mentions = [m for m in mentions if not _inside_a_clue(m, clues)]
        mentions, here, missing = with_phrases(sentence.text, sentence.start, mentions, gazetteer, sentence.doc,
                                               vouching, not_places)
        # a currency's country ("the US dollar") is no place; the phrase links are renumbered past it
        kept = {old: new for new, old in
                enumerate(i for i, m in enumerate(mentions)
                          if not _currency_label(ctx.text, m) and not _foreign_mission_label(ctx.text, m))}
        mentions = [m for i, m in enumerate(mentions) if i in kept]
        base = len(found)
        links.update({base + kept[a]: base + kept[b] for a, b in here.items() if a in kept and b in kept})
        for place in missing:
            place.container = base + kept[place.container] if place.container in kept else None
            unknown.append((place, sentence))
        found += [(m, sentence) for m in mentions]
    mentions = [m for m, _ in found]
    chains = comma_chains(ctx.text, mentions)
    direct = {i: chain[0] for i, chain in enumerate(chains) if chain}
    direct.update(links)  # what the place phrases say wins over a bare comma
    actor_refs = [a for d in ctx.drafts for a in (*d.record.actors, *d.record.recipients)]
    # an actor whose country the actor stage read off one of these very place names ("protesters",
    # country from 'Tripoli') is no evidence for which Tripoli is meant
    place_keys = {name_key(m.text) for m in mentions}
    actor_countries = {a.country for a in actor_refs if a.country and len(a.country) == 3
                       and not _country_read_off(a.reason, place_keys)}
    # a thing of one country only ("the Seray", "the LNA") says whose news it is as an actor of
    # that country would, not only as a country named in passing does
    actor_countries |= {c.country for c in clues}
    # a one-country mission speaks for its country as a named country would, as context only
    context = [Mention(m.start, m.end, m.text, [Candidate(gazetteer.country(m.country), HOW_NAME)], output=False)
               for m in missions]
    # and for the units of its area (the OSCE SMM's villages near the contact line are in Donetsk
    # or Luhansk oblast, not their namesakes elsewhere in Ukraine)
    context += [Mention(m.start, m.end, unit.name, [Candidate(unit, HOW_NAME)], output=False)
                for m in missions for unit in mission_area(m, gazetteer)]
    context += [Mention(c.start, c.end, c.text, [Candidate(gazetteer.country(c.country), HOW_NAME)], output=False)
                for c in clues]
    resolved = resolve_mentions(ctx.text, mentions + context, actor_countries, gazetteer,
                                chains=[chain_of(direct, i) for i in range(len(mentions))] + [[] for _ in context])
    resolved = _towns_inside_their_namesake_units(mentions, resolved[:len(mentions)])
    actor_spans = [(a.start, a.end) for a in actor_refs]
    dateline = _DATELINE.match(ctx.text)
    places: list[ArticlePlace] = []
    by_mention: dict[int, ArticlePlace] = {}
    set_aside: list[tuple[Mention, Sentence]] = []  # names that only villages abroad bear (resolve.gate_villages)
    for index, ((mention, sentence), resolution) in enumerate(zip(found, resolved)):
        if resolution is None:
            if any(c.place.kind == "village" for c in mention.candidates):
                set_aside.append((mention, sentence))
            continue
        place = ArticlePlace(mention, resolution, sentence, _span_of(sentence, mention),
                             demonym=resolution.how == HOW_DEMONYM, actor_like=False)
        place.actor_like = not place.demonym and _actor_like(place, actor_spans)
        place.dateline = bool(dateline) and mention.start == dateline.start(1) and mention.end <= dateline.end(1)
        places.append(place)
        by_mention[index] = place
    for index, place in by_mention.items():
        for outer in chain_of(direct, index):  # the nearest container that holds it
            holder = by_mention.get(outer)
            if holder is not None and contains(holder.resolution.place, place.resolution.place):
                place.container = holder
                # a town written inside the unit that holds it ("Guanare, Portuguesa state, farmers
                # protested") is a place, whatever entity label NER gave the unfamiliar name
                if place.actor_like and place.resolution.place.kind in LOCAL_TOWN_KINDS + ("admin2", "area") and \
                        _mislabelled(place):
                    place.actor_like = False
                break
    unplaced: list[tuple[UnknownPlace, Sentence]] = []  # phrase names with nothing known around them
    for missing, sentence in unknown:
        holder = by_mention.get(missing.container) if missing.container is not None else None
        if holder is None:
            unplaced.append((missing, sentence))
        if holder is None or holder.demonym or holder.resolution.place.kind in ("country", "continent", "water"):
            continue  # a country alone says too little to stand in for a village
        mention = Mention(missing.start, missing.end, missing.text, [], phrase=True, near=missing.near)
        places.append(ArticlePlace(mention, holder.resolution, sentence, _span_of(sentence, mention), demonym=False,
                                   actor_like=False, container=holder, stand_in=True))
    _mark_doubtful(places, {m.text: m.country for m in missions})
    _mark_against_clues(places, clues)
    _mark_outside_area(places, missions)
    _mark_outside_named_units(places)
    for place in places:
        # a name read as lying inside a doubtful place ("the Fulani community in the commune of
        # Sokoura", Sokoura being a hamlet abroad) is no surer than the place that locates it
        if place.stand_in and place.container is not None and place.container.doubtful:
            place.doubtful = True
    _spell_admin1(places, gazetteer)
    places.sort(key=lambda p: p.mention.start)
    ctx.memo["places"] = places
    ctx.memo["places_set_aside"] = set_aside
    ctx.memo["places_unplaced"] = unplaced
    return places


def _towns_inside_their_namesake_units(mentions: list[Mention],
                                       resolved: list[Optional[Resolution]]) -> list[Optional[Resolution]]:
    """One name, one place family: where the article reads a name as a province or district
    ("Esmeraldas province") and elsewhere as a town, the town is the one inside that unit if the
    name has such a reading (Esmeraldas the city, Ecuador; not its namesake in Brazil)."""
    units: dict[str, Place] = {}
    for mention, resolution in zip(mentions, resolved):
        if resolution is not None and resolution.place.kind in ("admin1", "admin2"):
            units.setdefault(name_key(mention.text), resolution.place)
    if not units:
        return resolved
    out = list(resolved)
    for index, (mention, resolution) in enumerate(zip(mentions, resolved)):
        unit = units.get(name_key(mention.text))
        if unit is None or resolution is None or resolution.place.kind not in TOWN_KINDS or contains(unit, resolution.place):
            continue
        inside = [c for c in mention.candidates if c.place.kind in TOWN_KINDS and contains(unit, c.place)]
        if inside:
            best = max(inside, key=lambda c: c.place.population or 0)
            out[index] = Resolution(best.place, best.how, resolution.score, 0.0, resolution.alternatives,
                                    [*resolution.reasons, f"the article names {unit.name} as a unit too: the town in it"])
    return out


# A town under this size, alone in its country while the rest of the article agrees on another,
# is more likely an unknown local place that shares a foreign town's name ("Karama" near Raqqa,
# "Meade" the company) than an event abroad.
DOUBTFUL_POPULATION = 100_000
DOUBTFUL_AGREEMENT = 2 / 3
# A place this close to another place the article names agrees with it whatever the border between
# them ("the town of Kafr Aqab north of Jerusalem", a village across a ceasefire line).
AGREEING_KM = 30.0


def _mark_doubtful(places: list[ArticlePlace], missions: Optional[dict[str, str]] = None) -> None:
    """Country consistency: a small place in a country nothing else in the article names, where
    the other names agree on one country, is not taken for the event's place. Only names that are
    not themselves in doubt agree: two small towns alone in two countries ("in el Hermel ... to the
    Saray square") do not rule each other out, nor does one country named by the way ("rallied in
    Kilkis ... migrants mostly from Afghanistan"). A one-country mission (``missions``: its name ->
    country) names its country."""
    named: dict[str, tuple[str, bool]] = {}  # place name as written -> (country, weak)
    countries_only: dict[str, bool] = {}  # name -> whether it names a country
    for place in places:
        if place.resolution.place.country and not place.stand_in and not place.demonym and not place.actor_like:
            named.setdefault(name_key(place.mention.text), (place.resolution.place.country, _weak(place)))
            countries_only.setdefault(name_key(place.mention.text), place.resolution.place.kind == "country")
    for name, country in (missions or {}).items():
        named.setdefault("mission " + name_key(name), (country, False))
    per_country = Counter(country for country, _ in named.values())
    # a district or town written as the container of another name ("near Shukurbeyli, Fizuli") is
    # the writer's own statement of where the place lies: it is not doubted
    holders = {id(place.container) for place in places
               if place.container is not None and place.container.mention.start >= place.mention.end}
    for place in places:
        resolved = place.resolution.place
        if place.stand_in or resolved.kind not in LOCAL_TOWN_KINDS + ("admin2", "area") or not _weak(place) \
                or id(place) in holders:
            continue
        key = name_key(place.mention.text)
        others = [country for name, (country, weak) in named.items()
                  if name != key and (not weak or per_country[country] >= 2)]
        if not others or resolved.country in others:
            continue
        if len(others) == 1 and all(countries_only.get(name, False) for name in named if name != key):
            continue  # one country named by the way ("migrants from Afghanistan") says not where the town is
        top, count = Counter(others).most_common(1)[0]
        place.doubtful = count / len(others) >= DOUBTFUL_AGREEMENT and not _beside_another(place, places)


def _beside_another(place: ArticlePlace, places: list[ArticlePlace]) -> bool:
    """Another town or district the article names (not a people's name, not a stand-in) lies within
    ``AGREEING_KM`` of this place."""
    here = place.resolution.place
    key = name_key(place.mention.text)
    for other in places:
        there = other.resolution.place
        if other is place or other.stand_in or other.demonym or other.actor_like or name_key(other.mention.text) == key \
                or there.kind not in LOCAL_TOWN_KINDS + ("admin2", "capital"):
            continue
        if haversine_km(here.lat, here.lon, there.lat, there.lon) <= AGREEING_KM:
            return True
    return False


# A town this small (or reached only by another spelling) in a country that nothing but itself
# points to, where the article's one-country clues point elsewhere, is more likely an unknown
# village of the clues' country ("JNIM militants attacked Sokoura": a Malian village, not the
# hamlet of that name in Cote d'Ivoire) than an event abroad; a town of some size (Mandera, with
# "Al Shabaab") is a cross-border event.
CLUE_DOUBT_POPULATION = 10_000
# Armed groups cross into the countries bordering their own (ISGS from Mali into Tillaberi, Al
# Shabaab into Lamu): there only a hamlet yields to the clue.
NEIGHBOUR_CLUE_DOUBT_POPULATION = 2_000


def _mark_against_clues(places: list[ArticlePlace], clues: list[Mission]) -> None:
    """Country consistency with the article's one-country clues (armed groups, parties, police of one
    country, "the Seray", unit words such as "upazila"): where they all point to one country, a
    small town or district elsewhere that no other name of the article points to is doubtful."""
    countries = {clue.country for clue in clues}
    if len(countries) != 1:
        return
    (home,) = countries
    bordering = get_gazetteer().neighbours.get(home, frozenset())
    for place in places:
        resolved = place.resolution.place
        if place.stand_in or place.container is not None or place.demonym or place.actor_like \
                or resolved.kind not in LOCAL_TOWN_KINDS + ("admin2", "area") or resolved.country == home:
            continue
        enough = NEIGHBOUR_CLUE_DOUBT_POPULATION if resolved.country in bordering else CLUE_DOUBT_POPULATION
        if (resolved.population or 0) >= enough and \
                place.resolution.how not in (HOW_ALTERNATE, HOW_SKELETON):
            continue
        key = name_key(place.mention.text)
        if any(other.resolution.place.country == resolved.country and name_key(other.mention.text) != key
               for other in places if other is not place and not other.stand_in):
            continue
        place.doubtful = True


def _mark_outside_area(places: list[ArticlePlace], missions: list[Mission]) -> None:
    """A small town of the mission's country outside its area, in an article that names such a
    mission and writes no container with the town, is a namesake of a place in the area that the
    gazetteer lacks ("the OSCE SMM observed explosions near Sokilnyky": not Sokilnyky near Lviv)."""
    areas = {(m.country, unit) for m in missions for unit in m.area}
    countries = {country for country, _ in areas}
    if not areas:
        return
    for place in places:
        resolved = place.resolution.place
        if place.stand_in or place.container is not None or resolved.kind not in LOCAL_TOWN_KINDS + ("admin2", "area") \
                or resolved.country not in countries or not _weak(place):
            continue
        if (resolved.country, resolved.admin1) not in areas:
            place.doubtful = True


def _mark_outside_named_units(places: list[ArticlePlace]) -> None:
    """Unit consistency: where the article names its first-level units as such ("in Manzanillo,
    Colima", "in the Central Zone of Rio de Janeiro, Rio de Janeiro"), a small town of the same
    country in none of them, written with no container of its own, is more likely an unknown
    neighbourhood or village named like a town elsewhere ("fraccionamiento La Joya", "Candelaria
    neighborhood") than a second place of the event."""
    units = {(p.resolution.place.country, p.resolution.place.admin1) for p in places
             if p.resolution.place.kind == "admin1" and not p.stand_in and not p.demonym and not p.actor_like}
    countries = {country for country, _ in units}
    if not units:
        return
    # a name written as the container of another known place ("Sirwah (Sirwah, Marib)") is a unit
    # of its phrase (not one that only an unknown name is written inside: "Porto Meira" in "Porto")
    holders = {id(p.container) for p in places if p.container is not None and not p.stand_in}
    for place in places:
        resolved = place.resolution.place
        if place.stand_in or place.container is not None or id(place) in holders or place.demonym or place.actor_like \
                or resolved.kind not in LOCAL_TOWN_KINDS + ("admin2", "area") or resolved.country not in countries \
                or not _weak(place):
            continue
        if (resolved.country, resolved.admin1) not in units:
            place.doubtful = True


def _weak(place: ArticlePlace) -> bool:
    """A town small enough, or reached by a spelling loose enough, that a namesake abroad is the
    likelier reading only when the article says so; a big town abroad may be meant."""
    resolved = place.resolution.place
    return (resolved.population or 0) < DOUBTFUL_POPULATION or place.resolution.how in (HOW_ALTERNATE, HOW_SKELETON)


# What may follow a town's name in the name of the unit called after it: an adjective ending and
# a unit word ("Gomel" -> "Gomelskaya oblast", "Donetsk" -> "Donetska oblast"), not another name
# ("Jammu" is not "Jammu and Kashmir").
_ADJECTIVE_REST = re.compile(r"[a-z]{0,5}(?: (?:oblast|voblasc|oblysy|region|province|governorate|county|state|okrug|krai|kray))?")


def _without_unit_words(text: str) -> str:
    """"Haifa city" -> "Haifa": the unit word is not part of the name."""
    parts = text.split()
    while len(parts) > 1 and parts[-1].lower() in unit_hints():
        parts.pop()
    return " ".join(parts)


def _spell_admin1(places: list[ArticlePlace], gazetteer: Gazetteer) -> None:
    """Report each admin1 unit the way the article writes it, where it names the unit: the unit
    itself ("in Wardak province"), or a container spelled like it ("near Opytne, Donetsk": the
    Donetsk oblast, however the gazetteer spells it). The unit named as such, or written as a
    container, speaks for it before a town named like it ("near Terter, Tartar": Tartar). A unit
    the curated table reports by another name (``reported_admin1``) keeps that name."""
    spellings: dict[tuple[str, str], tuple[int, str]] = {}
    containers = {id(p.container) for p in places if p.container is not None}
    for place in places:
        if place.demonym or place.actor_like or place.stand_in or place.mention.text.isupper():
            continue  # "(UP)": an abbreviation is no way to report a unit
        resolved = place.resolution.place
        if not resolved.country or not resolved.admin1 or resolved.kind in ("country", "continent", "water"):
            continue
        if reported_admin1(resolved, gazetteer):
            continue
        unit = (resolved.country, resolved.admin1)
        label = gazetteer.admin1_labels.get(unit)
        text = _without_unit_words(place.mention.text)
        written, key = skeleton(name_key(text)), name_key(text)
        unit_keys = [name_key(resolved.admin1), name_key(label or "")]
        if resolved.kind == "admin1" or any(c.place.kind == "admin1" and (c.place.country, c.place.admin1) == unit
                                             for c in place.mention.candidates) \
                or key in unit_keys or (written and written in [skeleton(k) for k in unit_keys]) \
                or (len(key) >= 4 and any(_ADJECTIVE_REST.fullmatch(k[len(key):]) for k in unit_keys
                                          if k.startswith(key))):  # "Gomel": Gomelskaya oblast
            rank = 0 if resolved.kind == "admin1" else 1 if id(place) in containers else 2
            if unit not in spellings or rank < spellings[unit][0]:
                spellings[unit] = (rank, text)
    for place in places:
        resolved = place.resolution.place
        found = spellings.get((resolved.country or "", resolved.admin1 or ""))
        place.admin1_spelling = found[1] if found else None


def _clause_head(token: Token) -> Token:
    while token.dep_ not in CLAUSE_DEPS and token.head.i != token.i:
        token = token.head
    return token


def _with_precision(location: Location, precision: int, reason: str) -> Location:
    return location.model_copy(update={"precision": max(location.precision or 3, precision), "reason": reason})


def _linked(draft: Draft, places: list[ArticlePlace]) -> Optional[tuple[ArticlePlace, Location]]:
    """A place tied to the trigger within its clause, best first."""
    trigger = draft.trigger
    clause = _clause_head(trigger)
    ranked: list[tuple[int, int, Location, ArticlePlace]] = []
    for place in places:
        if place.span is None or place.actor_like or place.doubtful:
            continue
        root = place.span.root
        # spaCy makes a new Token object on each access: compare positions, not identities
        if _clause_head(root).i != clause.i and root.head.i != trigger.i and _clause_head(root.head).i != clause.i \
                and not _positioned_for(root, trigger):
            continue
        loc = place.location
        distance = abs(root.i - trigger.i)
        if place.demonym:
            # "shelled Azerbaijani positions": a nationality on a place noun near the trigger
            if root.dep_ == "amod" and root.head.lemma_.lower() in location_nouns():
                ranked.append((2, distance, _with_precision(
                    loc, 3, f"'{place.mention.text} {root.head.text}' puts the {trigger.text} in {loc.name}"), place))
            continue
        prep = _governing_prep(place.span)
        if prep is not None:
            word = prep.lower_
            holder = prep.head  # "in the region of Z": the place is the object of "of" under "region"
            if word == "of" and holder.lemma_.lower() in near_words():
                outer = holder.head if holder.dep_ == "pobj" else None
                ranked.append((0, distance, _with_precision(
                    loc, 2, f"'{(outer.text + ' ') if outer is not None else ''}the {holder.text} of {place.mention.text}': "
                            f"near {loc.name} or part of it ({_what(loc)})"), place))
            elif word == "of" and holder.i == trigger.i:
                ranked.append((0, distance, _with_precision(
                    loc, loc.precision or 3, f"'{trigger.text} of {place.mention.text}': the event's object is {loc.name} ({_what(loc)})"), place))
            elif word == "of" and holder.dep_ == "dobj" and holder.head.i == trigger.i and \
                    holder.lemma_.lower() in location_nouns() and not place.stand_in:
                # "raided the town of Kfar Aqab": the place is what the event was done to
                ranked.append((0, distance, _with_precision(
                    loc, loc.precision or 3, f"'{trigger.text} the {holder.text} of {place.mention.text}': the event's "
                                             f"object is {loc.name} ({_what(loc)})"), place))
            elif word in near_words() or (word == "to" and prep.head.lower_ == "close"):
                ranked.append((0, distance, _with_precision(
                    loc, 2, f"'{word} {place.mention.text}' in the event's clause: near {loc.name} ({_what(loc)})"), place))
            elif word in LOCATIVE_PREPS:
                ranked.append((2 if word in DIRECTIONAL_PREPS else 0, distance, _with_precision(
                    loc, loc.precision or 3, f"'{word} {place.mention.text}' in the event's clause: {loc.name} ({_what(loc)})"), place))
            continue
        if root.dep_ == "dobj" and root.head.i == trigger.i and trigger.pos_ == "VERB" and not place.stand_in and \
                loc.country is not None and place.resolution.place.kind not in ("country", "continent"):
            # "shelled Kafr Nabl", "stormed Jenin": the place is what the event was done to
            ranked.append((0, distance, _with_precision(
                loc, loc.precision or 3, f"'{trigger.text} {place.mention.text}': the event's object is {loc.name} "
                                         f"({_what(loc)})"), place))
            continue
        if root.dep_ in ("compound", "amod", "nmod") and root.head.i == trigger.i:
            ranked.append((1, distance, _with_precision(
                loc, loc.precision or 3, f"'{place.mention.text} {trigger.text}': {loc.name} ({_what(loc)})"), place))
    # a place the event only came from or went to is left to the nearest-place rule, which takes it
    # only when the sentence names no other ("residents of Talas, Kayseri held a demonstration
    # against ... the body's arrival from Istanbul")
    ranked = [item for item in ranked if item[0] != 2]
    if not ranked:
        return None
    # a country in the event's clause is usually a modifier ("the political system in Lebanon");
    # a town or province tied to the same clause says where the event was
    # a place tied to the actors ("workers at the Gafsa Phosphate Company barricaded roads in
    # Meknassy") says who they are, not where they acted, when another is tied to the event itself
    ranked.sort(key=lambda item: (item[0], item[3].resolution.place.kind in ("country", "continent"),
                                  _on_the_subject(item[3], trigger), item[1]))
    place, location = ranked[0][3], ranked[0][2]
    if place.stand_in:  # say why the name's container stands in for it
        location = location.model_copy(update={"reason": f"{location.reason}; {place.location.reason}"})
    return place, location


# "fired on the positions ... assumed to be located near X": where the target of the event was
POSITION_VERBS = {"locate", "position", "station", "deploy", "base", "situate"}
POSITION_PATH_DEPS = {"acl", "xcomp", "advcl", "relcl", "pobj", "prep", "dobj"}


def _positioned_for(root: Token, trigger: Token) -> bool:
    """The place says where the event's target was: the object of a preposition on "located",
    "stationed" (and the like) in a clause or participle under the event word, not on its subject
    ("forces located at X fired on positions located near Y": Y)."""
    prep = root.head if root.dep_ == "pobj" else None
    if prep is None or prep.dep_ != "prep" or prep.head.lemma_.lower() not in POSITION_VERBS:
        return False
    token = prep.head
    for _ in range(6):
        if token.dep_ not in POSITION_PATH_DEPS or token.head.i == token.i:
            return False
        token = token.head
        if token.i == trigger.i:
            return True
    return False


def _on_the_subject(place: ArticlePlace, trigger: Token) -> bool:
    """The place is the object of a preposition on the event's subject ("workers at X"), not on
    the event word."""
    prep = _governing_prep(place.span) if place.span is not None else None
    return prep is not None and prep.head.i != trigger.i and prep.head.dep_ in ("nsubj", "nsubjpass")


def _what(loc: Location) -> str:
    return {1: "a town", 2: "part of a region", 3: "a region or country"}.get(loc.precision or 3, "a place")


def _nearest_in_sentence(draft: Draft, places: list[ArticlePlace]) -> Optional[tuple[ArticlePlace, Location]]:
    trigger_at = draft.sentence.char(draft.trigger)
    best: Optional[tuple[tuple[bool, int, int, int], ArticlePlace]] = None
    for place in places:
        if place.actor_like or place.demonym or place.doubtful or \
                place.resolution.place.kind in ("continent", "water"):
            continue
        directional = 0
        if place.span is not None:
            prep = _governing_prep(place.span)
            if prep is not None and prep.lower_ in NON_PLACE_PREPS:
                continue
            outer = _governing_prep(place.span, compounds=True)
            if outer is not None and outer.lower_ in DIRECTIONAL_PREPS:
                # an attack's origin yields to where it struck ("rockets fired from the Gaza Strip
                # towards Sderot": Sderot)
                directional = 2 if outer.lower_ == "from" and draft.record.event_type == "ASSAULT" else 1
        # a country only where the sentence names nothing smaller ("forces of India and Pakistan
        # exchanged fire ... at Krishna Ghati (Poonch district)"); a place of movement only where it
        # names no other ("in Dunmore county, a body was found on the road towards Carlow": Dunmore);
        # a province or district only where it names no town ("on patrol along the Evros river ...
        # near the village of Tychero")
        breadth = _breadth(place)
        distance = (breadth == 2, directional, breadth,
                    min(abs(place.mention.start - trigger_at), abs(place.mention.end - trigger_at)))
        if best is None or distance < best[0]:
            best = (distance, place)
    if best is None:
        return None
    loc = best[1].location
    return best[1], _with_precision(loc, loc.precision or 3,
                                    f"nearest place to '{draft.trigger.text}' in its sentence: {loc.name} ({_what(loc)})")


def _breadth(place: ArticlePlace) -> int:
    """0 a town or a part of one, 1 a district, province or region, 2 a country."""
    kind = place.resolution.place.kind
    if kind == "country":
        return 2
    if kind in ("admin1", "admin2", "region") or place.stand_in:
        return 1
    return 0


def _earlier_in_paragraph(draft: Draft, places: list[ArticlePlace], text: str) -> Optional[tuple[ArticlePlace, Location]]:
    """The last place named in the one or two sentences before the event's, in the same paragraph
    ("... the Russian Embassy in Yerevan. The riots caused injuries ...")."""
    index = draft.sentence.index
    earlier = [p for p in places if index - 2 <= p.sentence.index < index and not p.actor_like and not p.demonym
               and not p.doubtful and p.resolution.place.kind not in ("continent", "water")]
    earlier = [p for p in earlier if not _PARAGRAPH_BREAK.search(text[p.mention.end:draft.sentence.start])]
    if not earlier:
        return None
    # the last one named, a country only where nothing smaller was ("in Santa Rosa (La Pampa), ...
    # the social isolation in Argentina. The group demanded ...")
    place = max(earlier, key=lambda p: (p.resolution.place.kind != "country", p.mention.start))
    loc = place.location
    return place, _with_precision(loc, loc.precision or 3, f"no place in the event's sentence; the sentence before it "
                                                           f"in the paragraph names {loc.name} ({_what(loc)})")


def _established(places: list[ArticlePlace]) -> Optional[tuple[ArticlePlace, Location]]:
    """The article's own place: its dateline, else the place it names most (first named on a tie)."""
    usable = [p for p in places if not p.actor_like and not p.demonym and not p.doubtful
              and p.resolution.place.kind not in ("continent", "water")]
    for place in usable:
        if place.dateline:
            loc = place.location
            return place, _with_precision(loc, 2, f"no place in the event's sentence; the article's dateline is {loc.name}")
    counts: dict[int, list[ArticlePlace]] = {}
    for place in usable:
        counts.setdefault(place.resolution.place.id, []).append(place)
    if not counts:
        return None
    group = max(counts.values(), key=lambda g: (len(g), -g[0].mention.start))
    loc = group[0].location
    return group[0], _with_precision(loc, 2, f"no place in the event's sentence; the article names {loc.name} most "
                                             f"often ({len(group)} time{'s' if len(group) > 1 else ''})")


def _organisation_seat(places: list[ArticlePlace]) -> Optional[tuple[ArticlePlace, Location]]:
    """When nothing names the event's place, the town or province an acting authority is named
    after ("Van Governor's Office extended the ban": Van) is where its decision applies."""
    for place in places:
        if place.actor_like and not place.demonym and not place.doubtful and \
                place.resolution.place.kind in ("admin1", "admin2", "area") + TOWN_KINDS:
            loc = place.location
            return place, _with_precision(loc, max(loc.precision or 3, 2), f"no place named for the event; the "
                                          f"authority acting is named after {loc.name} ({_what(loc)})")
    return None


def _agreed_country(places: list[ArticlePlace], clues: Sequence[Mission] = ()) -> Optional[Location]:
    """Last resort: the country the article's names agree on, nationalities included ("Turkish
    authorities extended the curfew"), as a region-level location. A thing of one country only
    votes as its nationality would ("Israeli police stormed the Al-Aqsa compound": Israel and
    Palestine, no agreement)."""
    votes = Counter(p.resolution.place.country for p in places
                    if p.resolution.place.country and not p.doubtful and not p.actor_like)
    if not votes:
        return None  # the clues alone speak last (``_clue_country``)
    votes.update(c.country for c in clues)
    (country, count), total = votes.most_common(1)[0], sum(votes.values())
    place = get_gazetteer().country(country)
    if place is None or count / total < DOUBTFUL_AGREEMENT:
        return None
    return country_at_capital(place, f"no place named for the event; the article's names point to {place.name}")


_PHRASE_GAP = re.compile(r"[\s,(]*")
_UNIT_GAP = re.compile(r"\s+([A-Za-z\- ]+?)\s*[,(][\s,(]*")


def _written_inside(inner: ArticlePlace, outer: ArticlePlace, text: str) -> bool:
    """``inner`` is written inside ``outer`` in one place phrase: linked to it, linked to the same
    container where ``outer`` is a name no gazetteer holds ("Kindia town (Kindia-Centre, Kindia)"),
    or written right before it and lying in it ("Chilpancingo, Guerrero")."""
    if inner.container is outer:
        return True
    if outer.stand_in and inner.container is not None and inner.container is outer.container:
        return True
    return not inner.stand_in and _phrase_gap(text[inner.mention.end:outer.mention.start]) \
        and contains(outer.resolution.place, inner.resolution.place)


def _phrase_gap(gap: str) -> bool:
    """What lies between a name and its container in one phrase: a comma or parenthesis, after
    the unit words of the name where it has any ("in Shah Wali Kot and Maywand districts, Kandahar")."""
    if _PHRASE_GAP.fullmatch(gap):
        return True
    found = _UNIT_GAP.fullmatch(gap)
    return found is not None and all(word.lower() in unit_hints() for word in found.group(1).split())


def _most_specific(chosen: ArticlePlace, location: Location, places: list[ArticlePlace], text: str) -> Location:
    """Walk down a place phrase: the event named "in Menakuru village (Nellore, AP)" happened in
    Menakuru, whichever link of the chain the parse tied to the event."""
    place = chosen
    seen = {id(place)}
    while True:
        inner = [p for p in places if id(p) not in seen and p.sentence is place.sentence
                 and p.mention.end <= place.mention.start and not p.actor_like and not p.demonym
                 and _written_inside(p, place, text)]
        if not inner:
            break
        place = max(inner, key=lambda p: p.mention.start)  # the name written right before its container
        seen.add(id(place))
    if place is chosen:
        if chosen.mention.near and (location.precision or 3) < 2:
            return _with_precision(location, 2, location.reason + "; the phrase puts it around the place")
        return location
    loc = place.location
    precision = max(loc.precision or 3, 2 if place.mention.near else 1)
    return _with_precision(loc, precision, f"{location.reason}; written inside it: '{place.mention.text}' -> "
                                           f"{loc.reason if place.stand_in else loc.name + ' (' + _what(loc) + ')'}")


def _mission_country(missions: list[Mission]) -> Optional[Location]:
    """Last resort: the country of a one-country mission the article names, at its capital; for a
    mission whose area is known, the first unit of its area, at its seat."""
    if not missions:
        return None
    mission = missions[0]
    area = mission_area(mission, get_gazetteer())
    if area:
        unit = area[0]
        lat, lon = fallback_point(unit)
        others = ", ".join(u.name for u in area[1:])
        return Location(text=mission.text, name=unit.name, geonameid=unit.geonameid, lat=lat, lon=lon,
                        country=unit.country, admin1=admin1_name(unit), precision=3,
                        start=mission.start, end=mission.end,
                        reason=f"no place resolved for the event; {mission.text} works in {unit.name}"
                               f"{' and ' + others if others else ''} only; placed in the first, {unit.name}")
    place = get_gazetteer().country(mission.country)
    if place is None:
        return None
    return country_at_capital(place, f"no place resolved for the event; {mission.text} works in {place.name} only",
                              mission.text, mission.start, mission.end)


def _clue_country(clues: list[Mission]) -> Optional[Location]:
    """Last resort: the one country that the article's one-country clues and unit words all point
    to ("Lohajang Upazila": Bangladesh), at its capital."""
    countries = {clue.country for clue in clues}
    place = get_gazetteer().country(countries.pop()) if len(countries) == 1 else None
    if place is None:
        return None
    first = clues[0]
    return country_at_capital(place, f"no place resolved for the event; '{first.text}' is said of "
                                     f"{place.name} only", first.text, first.start, first.end)


def _village_by_its_name(set_aside: list[tuple[Mention, Sentence]], draft: Draft) -> Optional[Location]:
    """Last resort: a name written as a place ("in Hassi Mameche") that only villages of one
    country bear. Set aside while the article pointed nowhere; with nothing else to go on, the
    village of that name is the best guess (the reason says so). The event's own sentence first."""
    ordered = sorted(set_aside, key=lambda item: item[1].index != draft.sentence.index)
    for mention, _sentence in ordered:
        villages = [c.place for c in mention.candidates if c.place.kind == "village"]
        if not mention.phrase or len({v.country for v in villages}) != 1:
            continue
        country = villages[0].country
        reason = (f"no other place resolved for the event; '{mention.text}' names only "
                  f"{'a village' if len(villages) == 1 else f'{len(villages)} villages'} in {country}")
        if len(villages) == 1:
            village = villages[0]
            return Location(text=mention.text, name=village.name, lat=village.lat, lon=village.lon, country=country,
                            admin1=admin1_name(village), precision=2 if mention.near else 1,
                            start=mention.start, end=mention.end, reason=reason)
        place = get_gazetteer().country(country)
        if place is not None:
            return country_at_capital(place, reason + "; known only to its country")
    return None


CLOSE_TOWN_POPULATION = 20_000


def _closely_spelt(unplaced: list[tuple[UnknownPlace, Sentence]], draft: Draft) -> Optional[Location]:
    """Last resort after the villages: a name written as a place that no gazetteer spells so, spelt
    closely to towns or units of one country only ("Ain Oussara": Aïn Oussera, Algeria). Only the
    country is taken; the reason names the spelling."""
    gazetteer = get_gazetteer()
    for missing, _sentence in sorted(unplaced, key=lambda item: item[1].index != draft.sentence.index):
        # a town big enough to be news itself: small namesakes abroad spelt alike are many, and
        # a guess from them was wrong more often than right on notes of our own
        close = [c.place for c in close_spellings(gazetteer.similar(missing.text), missing.text)
                 if c.place.kind in TOWN_KINDS and (c.place.population or 0) >= CLOSE_TOWN_POPULATION]
        if not close or len({p.country for p in close}) != 1:
            continue
        country = gazetteer.country(close[0].country)
        if country is None:
            continue
        return country_at_capital(country, f"no other place resolved for the event; '{missing.text}' is in no "
                                           f"gazetteer, and is spelt closely only to {close[0].name} in {country.name}",
                                  missing.text, missing.start, missing.end)
    return None


def locate(draft: Draft, places: list[ArticlePlace], text: str, missions: Optional[list[Mission]] = None,
           set_aside: Optional[list[tuple[Mention, Sentence]]] = None,
           unplaced: Optional[list[tuple[UnknownPlace, Sentence]]] = None,
           clues: Optional[list[Mission]] = None) -> Optional[Location]:
    """The location of one event (see the module's docstring for the order of the rules)."""
    in_sentence = [p for p in places if p.sentence.index == draft.sentence.index]
    found = _linked(draft, in_sentence)
    linked = found is not None
    if found is None:
        found = _nearest_in_sentence(draft, in_sentence)
        if found is None:
            found = _earlier_in_paragraph(draft, places, text)
        if found is None:
            found = _established(places)
    if found is None:
        found = _organisation_seat(places)
    if found is None:
        location = _agreed_country(places, clues or []) or _mission_country(missions) or _clue_country(clues or [])
        guess = None if location else _village_by_its_name(set_aside or [], draft) or \
            _closely_spelt(unplaced or [], draft)
        # a guess from a name's spelling yields to the country of the event's own actors
        # ("Al Shabaab militants attacked Guriel": not a town spelt like it elsewhere)
        sides = {a.country for a in (*draft.record.actors, *draft.record.recipients)
                 if a.country and len(a.country) == 3 and get_gazetteer().country(a.country) is not None}
        if guess is not None and (not sides or guess.country in sides):
            location = guess
        if location is not None:
            draft.record.reasons.append(f"location: {location.reason}")
        return location
    location = _most_specific(found[0], found[1], places, text)
    if not linked:
        draft.record.reasons.append(f"location: {location.reason}")
    return location


@stage("places")
def locate_events(ctx: CodingContext) -> None:
    """Fill ``record.location`` of every draft."""
    if not ctx.drafts:
        return
    places = article_places(ctx)
    for draft in ctx.drafts:
        location = locate(draft, places, ctx.text, ctx.memo.get("missions"),  # type: ignore[arg-type]
                          ctx.memo.get("places_set_aside"), ctx.memo.get("places_unplaced"),  # type: ignore[arg-type]
                          ctx.memo.get("clues"))  # type: ignore[arg-type]
        draft.record.location = location
        for mention, sentence in ctx.memo.get("places_set_aside", ()):  # type: ignore[union-attr]
            if sentence.index == draft.sentence.index:
                draft.record.reasons.append(f"location: '{mention.text}' {unknown_because(mention)}")
        if location is None:
            draft.record.reasons.append("location: the article names no place")
