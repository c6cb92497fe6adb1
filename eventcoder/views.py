"""The records stage: final touches on each event and its ACLED and CAMEO views.

The ACLED view comes from a rule table (events/data/acled_map.tsv); verbal events (CONSULT,
REQUEST, ACCUSE, …) have no ACLED type and keep an empty view.
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path
from typing import Optional

from spacy.tokens import Token

from eventcoder.actors.resolve import collective_nouns, currency_words, resolve_text
from eventcoder.events.lexicon import fighting_lemmas, incident_words, riot_words, weapon_modes
from eventcoder.events.triggers import match_rule
from eventcoder.pipeline import CodingContext, Draft, Sentence, stage
from eventcoder.record import Event, Location
from eventcoder.wordlists import word_set

MAP_FILE = Path(__file__).resolve().parent / "events" / "data" / "acled_map.tsv"
INTERVENTION_FILE = MAP_FILE.parent / "intervention_words.txt"
FORCE_FILE = MAP_FILE.parent / "force_nouns.txt"
ANIMALS_FILE = MAP_FILE.parent / "animals.txt"
DEMONSTRATION_FILE = MAP_FILE.parent / "demonstration_signs.txt"
MOB_FILE = MAP_FILE.parent / "mob_words.txt"
PROPERTY_FILE = MAP_FILE.parent / "property_nouns.txt"
UNNAMED_ATTACKERS_FILE = MAP_FILE.parent / "unnamed_attackers.txt"
PROTESTERS_FILE = MAP_FILE.parent / "protester_words.txt"


@functools.lru_cache(maxsize=1)
def _acled_rules() -> list[tuple[str, ...]]:
    with MAP_FILE.open(encoding="utf-8") as handle:
        return [tuple(r) for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]


@functools.lru_cache(maxsize=2)
def intervention_words(where: str = "any") -> frozenset[str]:
    """Words of force used on a protest, for its own sentence ("any") or the next one ("next")."""
    with INTERVENTION_FILE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    wanted = {"any"} if where == "any" else {"any", "next"}
    return frozenset(word for kind, words in rows if kind in wanted for word in words.split())


@functools.lru_cache(maxsize=1)
def force_nouns() -> frozenset[str]:
    return word_set(FORCE_FILE)


@functools.lru_cache(maxsize=1)
def animal_words() -> frozenset[str]:
    return word_set(ANIMALS_FILE)


@functools.lru_cache(maxsize=1)
def _demonstration_signs() -> re.Pattern[str]:
    """One pattern for demonstration_signs.txt: a line is a stem or a phrase, matched at a word's start."""
    lines = DEMONSTRATION_FILE.read_text(encoding="utf-8").splitlines()
    signs = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return re.compile(r"\b(?:" + "|".join(map(re.escape, signs)) + ")")


def _demonstration_told(draft: Draft, told_around: tuple[str, ...]) -> bool:
    """A protest named, a grievance voiced, roads barricaded or tyres burnt, or tear gas used, in
    the report's sentence or the texts around it (demonstration_signs.txt)."""
    return bool(_demonstration_signs().search(" ".join([draft.sentence.text, *told_around]).lower()))


@functools.lru_cache(maxsize=1)
def _protester_words() -> frozenset[str]:
    return word_set(PROTESTERS_FILE)


@functools.lru_cache(maxsize=1)
def mob_words() -> frozenset[str]:
    return word_set(MOB_FILE)


INTERVENTIONS = {"Protest with intervention", "Excessive force against protesters"}


def crowd_was_a_mob(draft: Draft, told_around: tuple[str, ...]) -> bool:
    """Force used on a crowd (no report of a protest) that was a mob: a mob or its violence named
    ("police fired shots to disperse the mob", "residents pelted them with stones") and no
    demonstration told. ACLED codes such a crowd's event as mob violence, not a protest."""
    if draft.record.event_type == "PROTEST" or _demonstration_told(draft, told_around):
        return False
    return bool(set(_words(" ".join([draft.sentence.text, *told_around]))) & mob_words())


@functools.lru_cache(maxsize=1)
def property_nouns() -> frozenset[str]:
    return word_set(PROPERTY_FILE)


def _property_taken(draft: Draft) -> Optional[str]:
    """The property a group took control of ("took control of an agricultural factory"), if what
    it took was property (property_nouns.txt), not a place."""
    trigger = draft.trigger
    controls = [c for c in trigger.children if c.lemma_.lower() == "control"]
    if not controls:
        return None
    # "of …" hangs on "control" or, as the parser often has it, on the verb
    for prep in [c for h in [trigger, *controls] for c in h.children]:
        if prep.dep_ == "prep" and prep.lower_ in ("of", "over"):
            taken = next((o for o in prep.children if o.dep_ == "pobj"), None)
            if taken is not None and taken.lower_ in property_nouns():
                return taken.text
    return None


def _only_animals_hit(event: Event) -> bool:
    """"slaughtered a lamb": every target named is an animal."""
    return bool(event.recipients) and all(
        ref.text.split() and ref.text.lower().split()[-1] in animal_words() for ref in event.recipients)


def following_sentences(sentences: list[Sentence], draft: Draft, n: int = 2) -> tuple[str, ...]:
    """The texts of the (at most ``n``) sentences after the draft's."""
    index = draft.sentence.index + 1
    return tuple(s.text for s in sentences[index:index + n])


def preceding_sentences(sentences: list[Sentence], draft: Draft, n: int = 3) -> tuple[str, ...]:
    """The texts of the (at most ``n``) sentences before the draft's."""
    index = draft.sentence.index
    return tuple(s.text for s in sentences[max(0, index - n):index])


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower())


NEGATIONS = {"no", "not", "never", "without", "nor"}
OFF_DUTY = re.compile(r"\boff[- ]duty\b")


def _victims_off_duty(draft: Draft, following: tuple[str, ...]) -> bool:
    """"shot two off-duty police officers": ACLED codes a member of the forces attacked off duty,
    with no force on the other side, as a civilian."""
    told = " ".join([draft.sentence.text, *following[:1]]).lower()
    return bool(OFF_DUTY.search(told)) and not (_actor_classes(draft.record) & {"TWO_SIDES"})


CUES_FILE = MAP_FILE.parent / "acled_cues.tsv"


@functools.lru_cache(maxsize=1)
def _acled_cues() -> list[tuple[str, str, str, re.Pattern[str]]]:
    """(mode cell, sub-event type, scope, pattern) rows of events/data/acled_cues.tsv."""
    with CUES_FILE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    for row in rows:
        if len(row) != 4 or row[2] not in ("sentence", "following") or acled_event_type_of(row[1]) is None:
            raise ValueError(f"acled_cues.tsv: bad row {row!r}")
    return [(mode, sub, scope, re.compile(r"\b(?:" + "|".join(map(re.escape, phrases.split("|"))) + r")\b"))
            for mode, sub, scope, phrases in rows]


def _cue(draft: Draft, following: tuple[str, ...]) -> Optional[tuple[str, str]]:
    """(sub-event type, the words) when words around an attack make it another ACLED sub-event
    type (a defused bomb, warning shots, a remnant of an old war); None otherwise."""
    sentence = draft.sentence.text.lower()
    told = " ".join([sentence, *following]).lower()
    for mode, sub, scope, pattern in _acled_cues():
        if not _cell_matches(mode, {draft.record.mode or "NONE"}):
            continue
        found = pattern.search(sentence if scope == "sentence" else told)
        if found:
            return sub, found.group(0)
    return None


def _at_a_protest(draft: Draft) -> bool:
    """The report's sentence names a protest's people or force used on one ("fired into the air
    to disperse the protesters")."""
    return bool(set(_words(draft.sentence.text)) & (intervention_words() | incident_words()["participant"]))


GUN_LEMMAS = {"shoot", "fire", "gun", "gunfire", "gunshot", "shot"}


def _guns_named(draft: Draft) -> bool:
    """A gun named in the report's sentence ("shot", "opened fire", "rifles"), not a fight's guns
    only assumed ("a mob attacked and clashed with the police")."""
    table = weapon_modes()
    return any(tok.lemma_.lower() in GUN_LEMMAS or table.get(tok.lower_) == "firearms" for tok in draft.sentence.doc)


STATE_FORCES = {"MIL", "COP", "GOV"}


def _party_fight(draft: Draft) -> bool:
    """"Imbonerakure and CNL supporters fought one another", "ruling party and opposition supporters
    clashed": a fight of party supporters (a party among the sides, the sides of one mention read
    apart), no state force among them and no gun named. ACLED codes such fights as mob violence."""
    rec = draft.record
    if draft.trigger.lemma_.lower() not in fighting_lemmas() or _guns_named(draft):
        return False
    sectors = {ref.sector for ref in rec.actors + rec.recipients}
    for ref in rec.actors + rec.recipients:
        parts = re.split(r"\s+and\s+|,\s*", ref.text)
        if len(parts) > 1:
            sectors |= {res.sector for part in parts if (res := resolve_text(part, rec.story_date)) is not None}
    return "PTY" in sectors and not sectors & STATE_FORCES


def _on_protesters(event: Event) -> bool:
    """Force used on a protest's people, named as such ("fired rubber bullets at protesters"), by
    state forces or by no one named; not "them" or "a crowd", who may be anyone."""
    people = incident_words()["participant"] - {"them", "they", "crowd", "crowds", "activist", "activists",
                                                 "participant", "participants"}
    on_them = any(ref.text.split() and ref.text.lower().split()[-1] in people for ref in event.recipients)
    by = event.actors[0].sector if event.actors else None
    return on_them and by in (None, *STATE_FORCES)


def _protest_met_with_force(draft: Draft) -> Optional[tuple[str, str]]:
    """The ACLED type of force used on protesters: a violent demonstration when the words about
    them tell they rioted ("fired on demonstrators who pelted stones"), excessive force when it
    killed, hurt or was gunfire; None otherwise (the protest's own report decides)."""
    rec = draft.record
    told_of_them = {w.lower_ for head in draft.recipient_heads for w in head.subtree}
    if told_of_them & riot_words():
        return "Riots", "Violent demonstration"
    if rec.mode == "firearms" and _guns_named(draft) or rec.dead or rec.injured:
        return "Protests", "Excessive force against protesters"
    return None


def _victims_in_crime(draft: Draft, following: tuple[str, ...]) -> bool:
    """"a gang member was shot dead", "… The victim had charges for drug trafficking": ACLED codes a
    killing of someone in a gang or the drug trade as a clash between armed groups, not an attack on
    a civilian. The victim is named so, or a sentence about "the victim(s)" says it."""
    crime = incident_words()["criminal"]
    if any(set(_words(ref.text)) & crime for ref in draft.record.recipients):
        return True

    def says_crime(words: list[str]) -> bool:  # "had no criminal record", "was not in a gang": no
        return any(w in crime and not NEGATIONS & set(words[max(0, i - 3):i]) for i, w in enumerate(words))

    told = [draft.sentence.text, *following]
    return any({"victim", "victims"} & set(words) and says_crime(words) for words in map(_words, told))


CALL_FOR = re.compile(r"\bcall(?:ed|ing|s)?\s+(?:on|for|upon)\b", re.IGNORECASE)  # not "calling a policeman …"


@functools.lru_cache(maxsize=1)
def _request_stems() -> frozenset[str]:
    """Demand verbs (incident_words.tsv) as stems of their written forms ("urged", "demanding");
    not "protest", which every protest sentence holds."""
    return incident_words()["demand"] - {"protest"}


def _asked_for(token: Token) -> bool:
    """The word stands under a demand ("demanding a military intervention")."""
    return any(a.lemma_.lower() in _request_stems() for a in token.ancestors)


def _intervention_told_after(following: str) -> bool:
    """"… held a protest in X. Police intervened." / "Police resorted to a lathi charge to disperse
    them." / "Two protesters were detained.": force used on a protest, told in the next sentence with
    the force or the crowd named (arrests: the crowd), unless that sentence opens another incident."""
    tokens = _words(following)
    words, crowd = set(tokens), incident_words()["participant"]
    if set(tokens[:3]) & incident_words()["apart"]:
        return False
    stems = _request_stems() - {"call"}  # "called on": CALL_FOR; "calling a policeman" asks nothing
    if any(word.startswith(stem) for word in words for stem in stems) or CALL_FOR.search(following):
        return False  # "urged the authorities to intervene", "demanded the release of those detained"
    force_used = words & intervention_words() and words & (force_nouns() | crowd)
    return bool(force_used or (words & intervention_words("next") and words & crowd))


ARMED = {"MIL", "REB", "COP", "UAF"}
TAKEOVERS = {"Government regains territory", "Non-state actor overtakes territory"}
SEVERAL_SIDES = {"two", "both", "rival", "warring"}  # one mention naming several parties ("the two armed groups")
WARRING = {"warring", "belligerent", "belligerents", "combatant", "combatants"}  # armed sides, whatever their sector word


def _target_classes(event: Event) -> set[str]:
    sectors = {r.sector for r in event.recipients if r.sector}
    classes = set(sectors)
    if sectors & ARMED:
        classes.add("ARMED")
    if sectors - ARMED:
        classes.add("UNARMED")
    first = next((r.sector for r in event.recipients if r.sector), None)
    if "CVL" in sectors and first not in ARMED:
        # civilians among the targets make it violence against civilians, unless a force is the
        # target named first ("attacked the gendarmerie station, killed one civilian and wounded
        # four gendarmes": a battle, the civilian its casualty)
        classes.discard("ARMED")
    return classes or {"NONE"}


@functools.lru_cache(maxsize=1)
def unnamed_attacker_words() -> frozenset[str]:
    return word_set(UNNAMED_ATTACKERS_FILE)


def _doer_sector(event: Event) -> Optional[str]:
    """The first actor's sector, where people of no armed sector named as unknown, unidentified or
    settlers (unnamed_attackers.txt) are an armed group (UAF): ACLED does not count them civilians
    or a mob when they are the ones acting. Not a group or a crowd of them ("a group of unidentified
    individuals threw stones"): ACLED reads a band of unknown people as rioters."""
    if not event.actors:
        return None
    doer = event.actors[0]
    if event.trigger is not None and doer.start == event.trigger.start and event.event_type == "PROTEST":
        return None  # protesters the actors stage supplied by default, the trigger as their mention: no one named
    words = set(_words(doer.text))
    if doer.sector in (None, "CVL") and words & unnamed_attacker_words() and not words & collective_nouns():
        return "UAF"
    return doer.sector


def _actor_classes(event: Event) -> set[str]:
    """The first actor's sector and class; TWO_SIDES when the actors are two conflict parties
    ("the army and the rebels agreed …": armed groups, or a government and an armed group)."""
    sector = _doer_sector(event)
    if sector is None:
        return {"NONE"}
    classes = {sector, "ARMED" if sector in ARMED else "UNARMED"}
    parties = [a.sector for a in event.actors if a.sector in ARMED | {"GOV"}]
    several = any(a.sector in ARMED and set(a.text.lower().split()) & SEVERAL_SIDES for a in event.actors) \
        or any(set(_words(a.text)) & WARRING for a in event.actors)  # "the warring parties agreed …"
    if several or (len(parties) > 1 and set(parties) & ARMED):
        classes.add("TWO_SIDES")
    return classes


def _told_with_an_attack(draft: Draft) -> bool:
    """Another word of the draft's sentence is an attack trigger (a side withdrew from the fight)."""
    doc = draft.sentence.doc
    return doc is not None and any(
        tok.i != draft.trigger.i and (rule := match_rule(tok)) is not None and rule.event_type == "ASSAULT"
        for tok in doc)


def _cell_matches(cell: str, values: set[str]) -> bool:
    """A rule cell: * (anything), or alternatives split by | (a sector, ARMED, UNARMED, NONE)."""
    return cell == "*" or any(option in values for option in cell.split("|"))


def acled_types(event: Event) -> tuple[str | None, str | None]:
    """The first rule of the table that fits; a rule whose types are - gives no ACLED view
    (ACLED does not record that kind of event: an agreement between non-combatants, a detention
    with no one named doing it)."""
    actor, targets = _actor_classes(event), _target_classes(event)
    for etype, mode, a_cell, r_cell, acled, sub in _acled_rules():
        if etype == event.event_type and _cell_matches(mode, {event.mode or "NONE"}) \
                and _cell_matches(a_cell, actor) and _cell_matches(r_cell, targets):
            return (None, None) if acled == "-" else (acled, sub)
    return None, None


@functools.lru_cache(maxsize=1)
def acled_codebook() -> dict[str, str]:
    """ACLED sub-event type → its event type (events/data/acled_types.tsv)."""
    with (MAP_FILE.parent / "acled_types.tsv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    return {sub: etype for etype, sub in rows}


def acled_event_type_of(sub_event_type: str) -> str | None:
    """The ACLED event type a sub-event type belongs to."""
    return acled_codebook().get(sub_event_type)


def confidence(event: Event) -> float:
    score = 0.5
    if event.actors and any(a.country for a in event.actors):
        score += 0.2
    if event.recipients:
        score += 0.1
    if event.trigger and event.trigger.text[:1].islower():
        score += 0.05
    if any(r.startswith("derived") for r in event.reasons):
        score -= 0.1
    return round(min(score, 0.95), 2)


PLACE_COUNTRY = re.compile(r"country from '([^']+)'")
GROUPS = {"UNO", "EUR", "IGO", "NGO", "IMG"}
# events whose target is struck where it stands: with no place and no actor country, its country
TARGET_SIDE_TYPES = {"ASSAULT", "FIGHT"}


def _names_a_currency(text: str) -> bool:
    """"protesters against the high US dollar exchange rate": the country named is a currency's."""
    return bool(set(_words(text)) & currency_words())


def fill_countries(event: Event) -> None:
    """Last resorts once places are known: an actor with no country takes the event's place's
    country, and an event with no place takes its first actor's country (precision 3)."""
    loc = event.location
    if loc is not None and loc.country:
        for ref in event.actors + event.recipients:
            # the actors stage read a country off a place name before places were resolved
            # ("protesters in Tripoli"); the places stage, with the whole article, knows which one
            named = PLACE_COUNTRY.search(ref.reason or "")
            if named and named.group(1) in (loc.text, loc.name) and ref.country != loc.country:
                ref.country = loc.country
                ref.reason = f"{ref.reason}; {loc.name} resolved in {loc.country} by the places stage"
            if ref.country is None and ref.sector is not None:
                ref.country = loc.country
                ref.reason = f"{ref.reason}; country of the event's place ({loc.name})"
    elif loc is None:
        # the source's country only: a recipient is often a foreign target ("against the US dollar")
        first = next((a for a in event.actors if a.country and a.country not in GROUPS
                      and not _names_a_currency(a.text)), None)
        country = first.country if first else None
        reason = "no place named; the country of the event's first actor"
        if first is None and event.event_type in TARGET_SIDE_TYPES:
            # an attacker of no country (gunmen, a militia of several countries) strikes where its
            # targets are ("gunmen attacked Iraqi soldiers")
            target = next((r for r in event.recipients if r.country and r.country not in GROUPS
                           and not _names_a_currency(r.text)), None)
            if target is not None:
                country = target.country
                reason = f"no place named and no country for the actors; the country of {target.text}, their target"
        if first is not None and first.sector in STATE_FORCES and event.event_type in ("ASSAULT", "COERCE"):
            # a state's forces acting on people of another country act where those people are
            # ("Israeli forces fired tear gas at Palestinian farmers")
            target = next((r for r in event.recipients if r.country and r.country not in GROUPS
                           and r.country != country and not _names_a_currency(r.text)), None)
            if target is not None:
                country = target.country
                reason = f"no place named; {first.text} acted on {target.text}, in their country"
        if country:
            from eventcoder.places import get_gazetteer

            place = get_gazetteer().country(country)
            event.location = Location(
                name=place.name if place else country, country=country, precision=3,
                lat=place.lat if place else None, lon=place.lon if place else None,
                geonameid=place.geonameid if place else None,
                reason=reason)
            event.reasons.append("location: " + event.location.reason)


def fill_from_the_article(events: list[Event]) -> None:
    """Last resort for an event with no place and no actor of known country: the one country the
    actors of the article's other events come from ("HTS opened fire on the protest": Syria)."""
    countries = {a.country for e in events for a in e.actors
                 if a.country and a.country not in GROUPS and not _names_a_currency(a.text)}
    place = None
    if len(countries) == 1:
        from eventcoder.places import get_gazetteer

        place = get_gazetteer().country(next(iter(countries)))
    for event in events:
        if event.location is None and place is not None:
            event.location = Location(
                name=place.name, country=place.country, precision=3, lat=place.lat, lon=place.lon,
                geonameid=place.geonameid,
                reason=f"no place named; the actors of the article's other events are of {place.name} only")
            event.reasons.append("location: " + event.location.reason)


def text_order(draft: Draft) -> tuple[int, int]:
    """Where a record stands in the article: its evidence, then its trigger."""
    return draft.record.evidence.start, draft.record.trigger.start if draft.record.trigger else 0


def number_records(ctx: CodingContext) -> None:
    """Records in text order, numbered ``<article id>-NN`` (again after the "incidents" stage merges)."""
    ctx.drafts.sort(key=text_order)
    for index, draft in enumerate(ctx.drafts):
        draft.record.id = f"{ctx.article.id}-{index:02d}"


def _one_person(text: str) -> bool:
    """"a man", "an attacker", "her husband": one person ("a group of …", "a crowd", "her in-laws",
    "his father and uncle" are not)."""
    words = text.lower().split()
    if len(words) >= 2 and words[0] in ("his", "her") and "and" not in words and not words[-1].endswith("s"):
        return True
    return len(words) >= 2 and words[0] in ("a", "an", "one") and words[1] not in collective_nouns() \
        and not (len(words) > 2 and words[2] in collective_nouns())


def acled_view(draft: Draft, following: tuple[str, ...] = (), preceding: tuple[str, ...] = ()
               ) -> tuple[Optional[str], Optional[str], list[str]]:
    """The ACLED event and sub-event type of a draft: the rule table, then what the table cannot
    see (force in a protest's sentence or told in the next one, a riot with no demonstration, one
    attacker, fighting words, victims in a gang); with the reasons. ``following`` and
    ``preceding``: the texts of the sentences after and before the draft's."""
    rec = draft.record
    reasons: list[str] = []
    if rec.event_type == "ASSAULT" and _only_animals_hit(rec):
        return None, None, [f"acled: only animals hit ('{rec.recipients[0].text}'): no violence against people"]
    acled, sub = acled_types(rec)
    if rec.event_type == "RETREAT" and rec.mode == "withdraw" and acled and _told_with_an_attack(draft):
        # "repelled an attack, forcing a retreat": a side's retreat is part of the fight, no change of its own
        return None, None, [f"acled: '{draft.trigger.text}' is told with the fighting it ended"]
    if rec.event_type == "COERCE" and rec.mode == "arrest" and draft.trigger.dep_ in ("amod", "acl"):
        # "the arrested former president", "families of migrants detained abroad": people named by
        # a detention told as their state, not a detention of the day
        return None, None, [f"acled: '{draft.trigger.text}' describes the people, no arrest of the day"]
    if sub == "Violent demonstration" and not _demonstration_told(draft, preceding + following):
        # "rioters set a bank on fire", "prisoners rioted": violence with no demonstration is a mob's
        acled, sub = "Riots", "Mob violence"
        reasons.append("acled: rioting with no sign of a demonstration (ACLED: mob violence)")
    if acled == "Protests" and sub == "Peaceful protest":
        # force named in lower case (not the "Intervention Unit" of a name) and not asked for
        # ("demanding a military intervention")
        words = {t.lower_ for t in draft.sentence.doc if t.text.islower() and not _asked_for(t)} \
            if draft.sentence.doc else set()
        if words & intervention_words():
            sub = "Protest with intervention"
        elif following and _intervention_told_after(following[0]):
            sub = "Protest with intervention"
            reasons.append("acled: force used on the protest, told in the next sentence")
    if sub in INTERVENTIONS and crowd_was_a_mob(draft, preceding + following):
        acled, sub = "Riots", "Mob violence"
        reasons.append("acled: force used on a crowd that was a mob, with no demonstration told (ACLED: mob violence)")
    if sub == "Mob violence" and rec.mode == "firearms" and draft.trigger.lemma_.lower() not in fighting_lemmas() \
            and _guns_named(draft):
        # "two men shot at people in a store": attackers with guns are an armed group, not a mob
        armed_target = "ARMED" in _target_classes(rec)
        acled, sub = ("Battles", "Armed clash") if armed_target else ("Violence against civilians", "Attack")
        reasons.append("acled: the attackers used guns: an armed group, not a mob")
    if rec.event_type == "ASSAULT" and sub in ("Mob violence", "Looting/property destruction") and rec.actors \
            and set(_words(rec.actors[0].text)) & _protester_words():
        # "protesters attacked the police station with stones", "demonstrators set fire to a bank"
        acled, sub = "Riots", "Violent demonstration"
        reasons.append(f"acled: the attackers are demonstrators ('{rec.actors[0].text}'): a violent demonstration")
    if sub == "Mob violence" and rec.actors and _one_person(rec.actors[0].text):
        # one person is no mob: "a man stabbed a woman" is an attack on a civilian
        acled, sub = "Violence against civilians", "Attack"
        reasons.append(f"acled: one attacker ('{rec.actors[0].text}') is no mob")
    if sub == "Attack" and draft.trigger.lemma_.lower() in fighting_lemmas():
        # "clashes in which two civilians died": the civilians are casualties of a fight
        # between armed sides, not its target
        acled, sub = "Battles", "Armed clash"
        reasons.append(f"acled: '{draft.trigger.text}' is fighting; the civilians named are its casualties")
    violent = acled in ("Battles", "Violence against civilians", "Explosions/Remote violence")
    if rec.event_type == "ASSAULT" and (violent or sub == "Looting/property destruction"):
        cue = _cue(draft, following)
        if cue and not violent and cue[0] != "Disrupted weapons use":
            cue = None  # property destroyed is no attack that warning shots could have been
        if cue and cue[0] == "Other" and _at_a_protest(draft):
            if cue[1] in draft.sentence.text.lower():
                reasons.append(f"acled: '{cue[1]}' to break up a protest: an intervention, no attack")
                acled, sub = "Protests", "Protest with intervention"
                if crowd_was_a_mob(draft, preceding + following):
                    acled, sub = "Riots", "Mob violence"
                    reasons.append("acled: the crowd was a mob, with no demonstration told (ACLED: mob violence)")
                return acled, sub, reasons
            cue = None  # the shots told after it were not these: force used on the protest
        if cue:
            sub = cue[0]
            reasons.append(f"acled: '{cue[1]}': {sub} (ACLED), not the attack it looked like")
            return acled_event_type_of(sub), sub, reasons
    if sub in TAKEOVERS and (taken := _property_taken(draft)):
        reasons.append(f"acled: '{taken}' taken is property, not territory: property seized")
        return "Strategic developments", "Looting/property destruction", reasons
    if sub in TAKEOVERS:
        cue = _cue(draft, following)
        if cue and cue[0] == "Non-violent transfer of territory":
            reasons.append(f"acled: '{cue[1]}': the place changed hands without fighting")
            return acled_event_type_of(cue[0]), cue[0], reasons
    # "police clashed with the demonstrators" is fighting: both sides fought (stage "incidents")
    met = _protest_met_with_force(draft) if rec.event_type == "ASSAULT" and sub in ("Attack", "Armed clash") \
        and draft.trigger.lemma_.lower() not in fighting_lemmas() and _on_protesters(rec) else None
    if met:
        acled, sub = met
        reasons.append(f"acled: force used on protesters by state forces or no one named: {sub}")
    if sub in ("Armed clash", "Remote explosive/landmine/IED", "Grenade") and _party_fight(draft):
        # "party workers clashed and hurled crude bombs": the bombs are the brawl's, not a bombing
        acled, sub = "Riots", "Mob violence"
        reasons.append("acled: party supporters fought, no state force and no gun named (ACLED: mob violence)")
    if sub == "Armed clash" and _victims_off_duty(draft, following):
        acled, sub = "Violence against civilians", "Attack"
        reasons.append("acled: the soldiers or police attacked were off duty: civilians (ACLED)")
    if sub == "Attack" and _victims_in_crime(draft, following):
        acled, sub = "Battles", "Armed clash"
        reasons.append("acled: the victims were in a gang or the drug trade: a clash between armed groups")
    return acled, sub, reasons


@stage("records")
def finish_records(ctx: CodingContext) -> None:
    number_records(ctx)
    for draft in ctx.drafts:
        fill_countries(draft.record)
    fill_from_the_article([draft.record for draft in ctx.drafts])
    for draft in ctx.drafts:
        rec = draft.record
        acled, sub, reasons = acled_view(draft, following_sentences(ctx.sentences, draft),
                                         preceding_sentences(ctx.sentences, draft))
        rec.reasons += reasons
        rec.acled.event_type, rec.acled.sub_event_type = acled, sub
        rec.acled.fatalities = rec.dead if acled else None
        rec.acled.geo_precision = rec.location.precision if rec.location else None
        rec.acled.time_precision = rec.date_precision
        rec.confidence = confidence(rec)
