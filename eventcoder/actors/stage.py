"""The actors stage: role heads → ActorRef (name, country, sector, offsets), with simple coreference.

Coreference is deliberately small: a pronoun or a possessive ("he", "his troops", "their") takes
the country of the most recent person (he/she) or group (they) resolved earlier in the article.
"""
from __future__ import annotations

import functools
from typing import Optional

from spacy.tokens import Span, Token

from eventcoder.actors.dictionary import DATA, load_dictionary
from eventcoder.actors.resolve import Resolution, _sector_word, currency_words, foreign_mission_words, resolve_text
from eventcoder.events.roles import is_symmetric, noun_phrase
from eventcoder.pipeline import CodingContext, Draft, Sentence, stage
from eventcoder.record import ActorRef
from eventcoder.wordlists import word_set

PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
GROUP_PRONOUNS = {"they", "them", "their", "theirs", "it", "its"}
RELATIVE_PRONOUNS = {"whose", "who", "which"}


def _antecedent(span: Span) -> Optional[Token]:
    """The noun phrase a relative pronoun points back to: the nearest noun before it."""
    from eventcoder.events.roles import np_head

    doc = span.doc
    for tok in reversed(list(doc[span.sent.start:span.start])):
        if tok.pos_ in ("PROPN", "NOUN"):
            return np_head(tok)
    return None


class History:
    """Actors resolved so far in the article, in reading order."""

    def __init__(self) -> None:
        self.items: list[tuple[int, Resolution]] = []

        self.roles: list[tuple[int, Resolution]] = []  # actors of events: the likelier antecedents
        self.sources: list[tuple[int, Resolution]] = []  # the sources of events, in reading order

    def add(self, offset: int, res: Resolution, role: bool = False) -> None:
        (self.roles if role else self.items).append((offset, res))

    def last(self, before: int, person: bool) -> Optional[Resolution]:
        for pool in (self.roles, self.items):
            earlier = [(o, r) for o, r in pool if o < before and (r.kind == "person") == person and r.country]
            if earlier:
                return max(earlier, key=lambda item: item[0])[1]
        # "Gunmen attacked … They abducted …": an earlier source with a sector but no country yet
        # (the places stage gives it one) is an antecedent too
        earlier = [(o, r) for o, r in self.sources if o < before and not person and r.sector not in (None, "GOV")]
        if earlier:
            return max(earlier, key=lambda item: item[0])[1]
        return None


def _history(ctx: CodingContext) -> History:
    hist = ctx.memo.get("actor_history")
    if hist is None:
        hist = History()
        # people named anywhere before an event can be referred back to ("his troops")
        for sent in ctx.parsed:
            for ent in sent.doc.ents:
                if ent.label_ in ("PERSON", "ORG", "NORP", "GPE"):
                    res = resolve_text(ent.text, ctx.article.date)
                    if res and res.country:
                        hist.add(sent.start + ent.start_char, res)
        hist.items.sort(key=lambda item: item[0])
        ctx.memo["actor_history"] = hist
    return hist


def resolve_head(ctx: CodingContext, sentence: Sentence, head: Token) -> Optional[ActorRef]:
    span: Span = noun_phrase(head)
    start, end = sentence.span_offsets(span)
    words = {t.lower_ for t in span}
    hist = _history(ctx)
    res: Optional[Resolution] = None
    if words & RELATIVE_PRONOUNS:  # "… the Armed Forces of Armenia, whose troops fired": the antecedent
        ante = _antecedent(span)
        if ante is not None:
            inner = resolve_text(noun_phrase(ante).text, ctx.article.date, head=ante.lemma_)
            sector = _sector_word([t.lower_ for t in span], head.lemma_)
            if inner and inner.country:
                res = Resolution(inner.name, inner.country, sector or inner.sector,
                                 f"relative pronoun: '{span.text}' → {noun_phrase(ante).text}", inner.kind)
    appos = [c for c in head.children if c.dep_ == "appos"]
    for ap in appos if res is None else []:  # "the Azerbaijani president, Ilham Aliyev": the name is the better key
        named = resolve_text(noun_phrase(ap).text, ctx.article.date, head=ap.lemma_)
        if named and named.kind in ("person", "organization"):  # not "Pakistan, a key U.S. ally"
            res = named
            break
    if res is None and not (head.pos_ == "PRON" and len(span) == 1):  # "who" is not the WHO, "us" not the US
        res = resolve_text(span.text, ctx.article.date, head=head.lemma_)
    if res is not None and res.reason.startswith("demonym") and "ethnic" in words:
        res = _minority(ctx, head, res)
    pron = words & (PERSON_PRONOUNS | GROUP_PRONOUNS)
    if (res is None or res.country is None) and pron:
        ante = hist.last(start, person=bool(pron & PERSON_PRONOUNS))
        if ante:
            sector = _sector_word([t.lower_ for t in span], head.lemma_)
            if head.lower_ in PERSON_PRONOUNS | GROUP_PRONOUNS or sector is None:
                res = Resolution(ante.name, ante.country, ante.sector, f"coreference: '{span.text}' → {ante.name}", ante.kind)
            else:
                res = Resolution(f"{ante.name}'s {head.text}" if ante.kind == "person" else ante.name,
                                 ante.country, sector, f"coreference: '{span.text}' → {ante.name}", "group")
    if res is not None and res.country is None and not (head.ent_type_ == "PERSON" and head.pos_ == "PROPN"):
        place = _country_nearby(ctx, head)
        if place is not None:
            res = Resolution(res.name if res.kind == "person" else f"{res.name} ({place[1]})", place[0], res.sector,
                             f"{res.reason}; country from '{place[1]}' {place[2]}", res.kind)
    if res is None:
        return None
    hist.add(start, res, role=True)
    return ActorRef(text=span.text, name=res.name, country=res.country, sector=res.sector,
                    start=start, end=end, reason=res.reason)


def _minority(ctx: CodingContext, head: Token, res: Resolution) -> Resolution:
    """"ethnic Albanians demonstrated in Serbia": an ethnic minority is coded with the country it lives
    in, when the sentence names exactly one other country; otherwise with its kin state."""
    others = {}
    for ent in head.doc.ents:
        if ent.label_ in ("GPE", "NORP"):
            found = resolve_text(ent.text, ctx.article.date)
            if found and found.country and len(found.country) == 3 and found.country != res.country \
                    and found.country not in ("UNO", "EUR", "IGO", "NGO", "IMG"):
                others.setdefault(found.country, ent.text)
    if len(others) != 1:
        return res
    (alpha3, words), = others.items()
    return Resolution(f"{res.name} ({words})", alpha3, res.sector, f"ethnic minority in '{words}'", res.kind)


def coordinated_countries(ctx: CodingContext, head: Token, ref: ActorRef) -> list[ActorRef]:
    """"Hungarian and Romanian officials", "U.S. and Russian negotiators": one phrase, two sides."""
    extra: list[ActorRef] = []
    # "military forces of India and Pakistan": the countries coordinated in the 'of' phrase too
    mods = [c for c in head.children if c.dep_ in ("amod", "compound", "nmod")]
    mods += [g for c in head.children if c.dep_ == "prep" and c.lower_ == "of" for g in c.children
             if g.dep_ == "pobj" and g.ent_type_ in ("GPE", "NORP")]
    for mod in mods:
        for other in mod.conjuncts:
            res = resolve_text(other.text, ctx.article.date)
            if res and res.country and res.country != ref.country and all(e.country != res.country for e in extra):
                cname = res.name if res.kind == "country" else res.country
                extra.append(ref.model_copy(update={
                    "country": res.country, "name": f"{ref.name} / {cname}",
                    "reason": f"{ref.reason}; coordinated with '{other.text}'"}))
    return extra


def _country_nearby(ctx: CodingContext, head: Token) -> Optional[tuple[str, str, str]]:
    """A country for a mention that names none: "rebels in the Ivory Coast" (its own 'in'/'from'
    phrase), else the one country the sentence names. Returns (alpha3, words, how)."""
    for prep in head.children:
        if prep.dep_ == "prep" and prep.lower_ in ("in", "from", "of"):
            for obj in prep.children:
                res = resolve_text(noun_phrase(obj).text, ctx.article.date)
                if res and res.country and res.kind in ("country", "group") and res.sector in (None, "GOV"):
                    return res.country, obj.text, "in the mention"
    countries = {}
    resolved = [(ent, resolve_text(ent.text, ctx.article.date)) for ent in head.doc.ents if ent.label_ in ("GPE", "NORP")]
    # a place below the country ("in Misrata", "Tripoli"): the places stage will say which country
    places_named = any(ent.label_ == "GPE" and (res is None or res.reason not in ("dictionary country", "demonym"))
                       for ent, res in resolved)
    for ent, res in resolved:
        root = ent.root
        # "attacked an Armenian church", "Turkish forces", "the US dollar": where the sentence names
        # a place, a country word that qualifies another noun tells that noun's side, not this
        # mention's; a city name ("Tripoli", "San Juan") is left to the places stage
        if places_named and root.dep_ in ("amod", "compound", "nmod", "poss") and root.head.i != head.i:
            continue
        if ent.end < len(ent.doc) and ent.doc[ent.end].lower_ in currency_words():
            continue  # "against the high US dollar exchange rate": a currency's country, no side's
        if ent.end < len(ent.doc) and ent.doc[ent.end].lower_ in foreign_mission_words():
            continue  # "rallied outside the Turkish embassy": the mission's state, not the crowd's
        if res and res.country and len(res.country) == 3 and res.country not in ("UNO", "EUR", "IGO", "NGO") \
                and res.reason in ("dictionary country", "demonym"):
            countries.setdefault(res.country, ent.text)
    if len(countries) == 1:
        (alpha3, words), = countries.items()
        return alpha3, words, "the only country in the sentence"
    return None


@functools.lru_cache(maxsize=1)
def non_victims() -> frozenset[str]:
    """Nouns never taken for an unnamed victim: what armed forces hold ("positions") and what is
    fired or thrown ("machine guns", "tear gas"), from data/non_victims.txt and the weapon words."""
    from eventcoder.events.lexicon import weapon_modes

    return word_set(DATA / "non_victims.txt") | frozenset(weapon_modes())


def _unnamed_victim(head: Token) -> bool:
    """A common noun the dictionary does not know, as the target of violence ("a blogger", "a CNL
    member", "the residence of the prefect"). Not a name (often a place the parser took for a
    target), a pronoun, a place noun, a weapon, what armed forces hold, a rank, nor a phrase that
    names an armed or state body ("a member of the regime's 4th Division", "a military base")."""
    from eventcoder.events.roles import place_nouns

    if head.pos_ != "NOUN" or head.ent_type_ in ("GPE", "LOC", "FAC", "DATE", "TIME", "CARDINAL"):
        return False
    if head.lemma_.lower() in place_nouns() or any(ch.isdigit() for ch in head.text):
        return False  # a place noun, or a calibre ("fired 120mm at …")
    sectors = load_dictionary().sector_words
    for tok in noun_phrase(head):
        word = tok.lower_.removesuffix("'s")
        if word in non_victims() or tok.lemma_.lower() in non_victims() \
                or sectors.get(word, sectors.get(tok.lemma_.lower())) in ARMED_OR_STATE:
            return False
    return True


ARMED_OR_STATE = {"MIL", "COP", "REB", "UAF", "GOV"}


def _resolve_all(ctx: CodingContext, draft: Draft, heads: list[Token], default_sector: Optional[str] = None,
                 victim_default: bool = False) -> list[ActorRef]:
    out: list[ActorRef] = []
    for head in heads:
        ref = resolve_head(ctx, draft.sentence, head)
        if ref is None and default_sector and head.pos_ in ("NOUN", "PROPN", "NUM"):  # NUM: "thousands of …"
            # "medical interns protested": whoever protests is a protester, named or not
            span = noun_phrase(head)
            start, end = draft.sentence.span_offsets(span)
            place = _country_nearby(ctx, head)
            ref = ActorRef(text=span.text, name=f"Protesters ({place[1]})" if place else "Protesters",
                           country=place[0] if place else None, sector=default_sector, start=start, end=end,
                           reason="the subject of a protest; protesters by default")
        if ref is None and victim_default and _unnamed_victim(head):
            span = noun_phrase(head)
            start, end = draft.sentence.span_offsets(span)
            place = _country_nearby(ctx, head)
            ref = ActorRef(text=span.text, name=f"Civilians ({place[1]})" if place else "Civilians",
                           country=place[0] if place else None, sector="CVL", start=start, end=end,
                           reason="an unnamed victim of violence: civilians by default (ACLED)")
        if ref and not any(r.start == ref.start and r.end == ref.end for r in out):
            out.append(ref)
            out.extend(coordinated_countries(ctx, head, ref))
    return out


def _governing_subjects(trigger: Token) -> list[Token]:
    """Subjects of the clauses the trigger's clause hangs under ("X said Y must …": X), nearest first.
    A subject written after the trigger is an attribution tacked on ("…, police said"): the reporter,
    not a party to the event."""
    out: list[Token] = []
    node = trigger
    while node.head.i != node.i:
        node = node.head
        for child in node.children:
            if child.dep_ == "nsubj" and child.i < trigger.i and child not in out \
                    and not trigger.is_ancestor(child):
                out.append(child)
    return out


def _named_before(trigger: Token) -> list[Token]:
    """Heads of the names written before the trigger in its sentence, outside place and time phrases,
    "according to …" and the trigger's own objects."""
    from eventcoder.events.roles import PLACE_PREPS, np_head

    heads: list[Token] = []
    for tok in trigger.doc[trigger.sent.start:trigger.i]:
        if tok.ent_type_ not in ("PERSON", "ORG", "NORP", "GPE") or any(a.lower_ == "according" for a in tok.ancestors):
            continue
        head = np_head(tok)
        if head.dep_ == "pobj" and head.head.lower_ in PLACE_PREPS | {"to", "from", "into"}:
            continue  # "in Bosnia", "to Iraq": a place, or the other side
        if head.dep_ in ("nsubjpass", "dobj"):
            continue  # "a US national was put under investigation": the one acted on
        if head not in heads and head.i != trigger.i:
            heads.append(head)
    return heads


def fallback_sources(ctx: CodingContext, draft: Draft) -> list[ActorRef]:
    """When the event's own clause gives no source that resolves: the subject of a governing clause
    written before it, else the first actor named before the trigger ("Quatar's emir … launched a
    mediation"; "The Red Cross said US forces must …"). The recipients are never the source."""
    from eventcoder.events.roles import OBSERVER_VERBS, nearest_actor_left, np_head

    taken = {(r.start, r.end) for r in draft.record.recipients}
    trigger = draft.trigger
    candidates = _governing_subjects(trigger) + nearest_actor_left(trigger) + _named_before(trigger)
    for head in candidates:
        if head in draft.recipient_heads or head.i == trigger.i or np_head(head).dep_ == "nsubjpass":
            continue  # "militants were killed, and three were arrested": the ones acted on act on no one
        ref = resolve_head(ctx, draft.sentence, head)
        if ref is None or ref.country is None or (ref.start, ref.end) in taken:
            continue
        if ref.sector == "JRN" or head.head.lemma_.lower() in OBSERVER_VERBS:
            continue  # "Interfax reported that a truce had been agreed", "the SMM observed …": a source, not a party
        ref.reason = f"{ref.reason}; source by fallback: no source in the event's clause"
        return [ref]
    if draft.record.event_type in STATE_ACTS:
        return _state_of_place(ctx, draft)
    return []


def _unnamed_protesters(ctx: CodingContext, draft: Draft) -> ActorRef:
    """"A protest was held in Zagreb": a protest with nobody named is the act of protesters (ACLED
    codes them so, with the country of the place); the protest's own word is the mention."""
    trigger = draft.trigger
    start = draft.sentence.char(trigger)
    place = _country_nearby(ctx, trigger)
    return ActorRef(text=trigger.text, name=f"Protesters ({place[1]})" if place else "Protesters",
                    country=place[0] if place else None, sector="CVL", start=start, end=start + len(trigger.text),
                    reason="no one named as protesting: protesters by default")


# weapons planted, thrown or carried by someone often never named: a bomb with no one named as its user
# is the act of an unidentified armed group where it went off (CAMEO and ACLED code it so)
UNCLAIMED_MODES = {"explosives", "suicide-attack", "grenade"}


def _unidentified_attackers(ctx: CodingContext, draft: Draft) -> ActorRef:
    """"A roadside bomb killed two soldiers": nobody named; the country is left to the place's (views)."""
    trigger = draft.trigger
    start = draft.sentence.char(trigger)
    return ActorRef(text=trigger.text, name="Unidentified armed group", country=None, sector="UAF",
                    start=start, end=start + len(trigger.text),
                    reason="no one named as attacking with a bomb: an unidentified armed group")


def _split_sides(draft: Draft) -> None:
    """"Houthi and Saudi forces clashed", "forces of India and Pakistan exchanged fire": one phrase
    names both sides of a fight; the first country named is the source, the others the recipients."""
    rec = draft.record
    if rec.event_type != "ASSAULT" or len({a.country for a in rec.actors}) < 2 \
            or not any(is_symmetric(t) for t in draft.trigger_tokens or [draft.trigger]):
        return
    first = rec.actors[0].country
    rec.recipients = [a for a in rec.actors if a.country != first] + rec.recipients
    rec.actors = [a for a in rec.actors if a.country == first]
    rec.reasons.append("actors: both sides of the fight named together; the first is the source")


VIOLENT = {"ASSAULT"}  # events whose unnamed targets are civilians by default (ACLED's rule)
STATE_ACTS = {"COERCE", "ACCUSE", "SANCTION"}  # arrests, bans, investigations, trials: what a state does


def _state_of_place(ctx: CodingContext, draft: Draft) -> list[ActorRef]:
    """"X was arrested in Lebanon", "put under investigation in Italy": with nobody named as doing it,
    an arrest, ban or inquiry is the act of the state where it happened."""
    from eventcoder.events.roles import noun_phrase as phrase

    node = draft.trigger
    for _ in range(3):
        for prep in node.children:
            if prep.dep_ != "prep" or prep.lower_ != "in":
                continue
            for obj in prep.children:
                if obj.dep_ != "pobj":
                    continue
                span = phrase(obj)
                res = resolve_text(span.text, ctx.article.date)
                if res and res.country and res.kind == "country" and len(res.country) == 3 \
                        and res.country not in ("UNO", "EUR", "IGO", "NGO", "IMG"):
                    start, end = draft.sentence.span_offsets(span)
                    cname = load_dictionary().country_names.get(res.country, res.country)
                    return [ActorRef(text=span.text, name=f"Government of {cname}", country=res.country,
                                     sector="GOV", start=start, end=end,
                                     reason=f"no one named as acting: the state where it happened ('{span.text}')")]
        if node.head.i == node.i:
            break
        node = node.head
    return []


@stage("actors")
def code_actors(ctx: CodingContext) -> None:
    for draft in ctx.drafts:
        protest = draft.record.event_type == "PROTEST"
        draft.record.actors = _resolve_all(ctx, draft, draft.source_heads, "CVL" if protest else None)
        _history(ctx).sources.extend((a.start, Resolution(a.name, a.country, a.sector, a.reason or ""))
                                     for a in draft.record.actors if a.start is not None)
        # the unnamed target of a one-sided attack (a fight's other side is named as a party)
        violent = draft.record.event_type in VIOLENT and draft.record.realized \
            and not any(is_symmetric(t) for t in draft.trigger_tokens or [draft.trigger])
        draft.record.recipients = [r for r in _resolve_all(ctx, draft, draft.recipient_heads, victim_default=violent)
                                   if not any(a.start == r.start and a.country == r.country for a in draft.record.actors)]
        _split_sides(draft)
        if not draft.record.actors:  # a subject named without a country ("rebels") is kept as it is
            draft.record.actors = fallback_sources(ctx, draft)
            if not draft.record.actors and protest and draft.record.realized:
                draft.record.actors = [_unnamed_protesters(ctx, draft)]
            if not draft.record.actors and draft.record.event_type == "ASSAULT" and draft.record.realized \
                    and draft.record.mode in UNCLAIMED_MODES:
                draft.record.actors = [_unidentified_attackers(ctx, draft)]
            if not draft.record.actors:
                draft.record.reasons.append("actors: no source found in the event's clause")
