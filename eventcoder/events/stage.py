"""The events stage: triggers → PLOVER type and mode, roles, and modality, as event drafts."""
from __future__ import annotations

import functools
from pathlib import Path

from spacy.tokens import Token

from eventcoder.events.lexicon import (MODE_RANK, TriggerRule, area_targets, fighting_lemmas, intent_events, plover_types,
                                       rally_calls, riot_words, weapon_modes)
from eventcoder.events.modality import modality
from eventcoder.events.roles import roles
from eventcoder.events.triggers import Found, anchor, find_triggers, match_rule, names_a_force
from eventcoder.pipeline import CodingContext, Draft, stage
from eventcoder.record import Event, Evidence
from eventcoder.wordlists import word_set

DATA = Path(__file__).resolve().parent / "data"


STANCE_TYPES = {"AGREE", "THREATEN", "REJECT", "REQUEST"}
# an explosion names no weapon: the weapons of its clause say what exploded ("explosions involving
# mortars", "an IED blast"); other explosive triggers ("bombing", "detonate") keep their mode
SPECIFIC_MODES = {"explosives", "aerial", "drone", "suicide-attack", "intercept", "abduct", "sexual"}
PREPARING = {"prepare", "gear", "mass"}  # readying force for an act, not a stated threat
REMOTE_MODES = {"heavy-weapons", "explosives", "aerial", "drone", "grenade"}
HARM_LEMMAS = {"kill", "wound", "injure", "shoot", "attack"}
KILLING_LEMMAS = {"kill", "murder", "execute", "behead", "slay"}
WOUNDING_LEMMAS = {"wound", "injure", "hurt"}
BLAST_WORDS = {"explosion", "blast", "explode", "blow", "detonate", "go"}  # "go": went off


def inherit_recipients(drafts: list[Draft]) -> None:
    """"X promised to continue aid to Y", "X threatened to attack Y": a stance verb's other side is the
    other side of the act it announces (the event in its complement clause)."""
    for stance in drafts:
        if stance.record.event_type not in STANCE_TYPES or stance.recipient_heads or stance.trigger.pos_ != "VERB":
            continue
        for act in drafts:
            if act is stance or act.sentence is not stance.sentence or not act.recipient_heads:
                continue
            node, hops = anchor(act.trigger), 0
            while node.i != stance.trigger.i and node.head.i != node.i and hops < 3:
                node, hops = node.head, hops + 1
            if node.i == stance.trigger.i and hops > 0:
                stance.recipient_heads = list(act.recipient_heads)
                break


@functools.lru_cache(maxsize=1)
def weapon_stores() -> frozenset[str]:
    return word_set(DATA / "weapon_stores.txt")


def _weapons_destroyed(tok: Token) -> bool:
    """What the trigger destroyed (its objects) is weapons: guns, explosives, ammunition or their
    stores ("destroyed a number of arms and depots", "blew up the explosives")."""
    objects = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    objects += [conj for o in objects for conj in o.conjuncts]
    table = weapon_modes()
    return bool(objects) and all(table.get(o.lower_) in ("firearms", "explosives") or o.lower_ in weapon_stores()
                                 or any(p.lower_ == "of" and any(table.get(g.lower_) in ("firearms", "explosives")
                                                                 for g in p.children) for p in o.children)
                                 for o in objects)


@functools.lru_cache(maxsize=1)
def person_nouns() -> frozenset[str]:
    return word_set(DATA / "person_nouns.txt")


def _people_destroyed(tok: Token) -> bool:
    """What a destroying trigger acted on (its objects) is people: "set her ablaze", "a homeless
    man was set on fire", "torched two suspected thieves", or a house with people inside."""
    objects = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass")]
    objects += [conj for o in objects for conj in o.conjuncts]
    words = person_nouns()
    if objects and all(o.lower_ in words or o.lemma_.lower() in words for o in objects):
        return True
    # "set fire to a house with a family inside": people burnt in it
    within = list(tok.subtree)
    return any(w.lower_ == "inside" for w in within) and any(
        w.lower_ == "with" and any(o.dep_ == "pobj" and o.lemma_.lower() in words for o in w.children) for w in within)


def _assault_mode(found: Found) -> str | None:
    """An attack's PLOVER mode: the trigger's own, or the most specific weapon named in the merged
    event's clause ("shelling and shooting"), with the cases where the weapon decides."""
    tok, mode = found.token, found.rule.mode
    weapon = weapon_mode(found.merged)
    if mode in (None, "firearms", "primitive", "explosives") and (mode != "explosives" or tok.lemma_.lower() in BLAST_WORDS) \
            and not (mode == "primitive" and weapon == "crowd-control"):
        # "pelted stones at police, who fired tear gas": the tear gas is the other side's
        mode = weapon or mode
    if mode == "destroy" and _weapons_destroyed(tok):
        return "intercept"  # "destroyed arms depots", "destroyed the explosives": weapons disrupted, no attack
    if mode == "destroy" and _people_destroyed(tok):
        mode = "primitive"  # "set a suspected thief ablaze": a person burnt is attacked, not property destroyed
    if mode == "destroy" and (weapon in REMOTE_MODES or any(t.lemma_.lower() in HARM_LEMMAS and t.i != tok.head.i
                                                            for t in found.merged[1:])):
        # ("an arson attack": the attack the trigger names is the destruction itself, not another act)
        mode = weapon  # "destroyed a vehicle with an ATGM", "destroyed hideouts and killed seven": an attack
    if mode == "abduct" and any(t.lemma_.lower() in KILLING_LEMMAS for t in found.merged[1:]):
        mode = weapon  # "kidnapped and killed": ACLED codes the killing, an attack
    if mode in (None, "firearms", "primitive") and any((rule := match_rule(t)) is not None and rule.mode == "abduct"
                                                       for t in found.merged[1:]) \
            and not any(t.lemma_.lower() in KILLING_LEMMAS | WOUNDING_LEMMAS | fighting_lemmas() for t in found.merged):
        # "stormed a house, kidnapping five brothers": no one killed or hurt and no fight, an abduction
        mode = "abduct"
    if any((rule := match_rule(t)) is not None and rule.mode == "sexual" for t in found.merged[1:]):
        # "beat and raped", "abducted and raped": ACLED's sexual violence outranks the attack or
        # abduction it came with (its codebook lists a type's sub-event types in order of precedence)
        return "sexual"
    if weapon == "unconventional":
        mode = weapon  # "dropped barrels of chlorine gas": a chemical attack however delivered (ACLED)
    if mode == "unconventional" and weapon == "crowd-control":
        mode = "crowd-control"  # "used tear gas bombs": a gas, but no chemical weapon
    if any(_names_the_victims(t) for t in found.merged):
        # "killed two suicide bombers": not a suicide attack; forces fought the bombers (ACLED: a clash)
        mode = "firearms" if weapon == "suicide-attack" else weapon
    if mode == "heavy-weapons" and (flown := _aircraft_doer(tok)):
        mode = flown  # "warplanes pounded rebel positions": the aircraft doing it says how, not the verb
    if mode == "heavy-weapons" and _exchange_named(tok):
        mode = "firearms"  # "exchanged artillery", "projectiles in both directions": fire traded is a battle
    if mode not in SPECIFIC_MODES | {"primitive"} and any(t.lemma_.lower() in fighting_lemmas() for t in found.merged):
        # "clashed with small and heavy weapons": fighting, an exchange of fire; a fight with
        # sticks and stones stays one (a brawl, not a battle)
        mode = "firearms"
    return mode


def _aircraft_doer(tok: Token) -> str | None:
    """The mode (aerial, drone) of an aircraft named as the trigger's doer: its subject or its "by"
    phrase ("warplanes bombarded …", "was pounded by jets"); None when no aircraft does it, or when
    guns do it too ("helicopters and tanks shelled …")."""
    doers = [c for c in tok.children if c.dep_ == "nsubj"]
    doers += [g for c in tok.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    table = weapon_modes()
    modes = {table.get(d.lower_) or table.get(d.lemma_.lower()) for d in doers + [j for d in doers for j in d.conjuncts]} - {None}
    return next(iter(modes)) if len(modes) == 1 and modes <= {"aerial", "drone"} else None


@stage("events")
def code_events(ctx: CodingContext) -> None:
    types = plover_types()
    for sentence in ctx.parsed:
        for found in _without_disrupted_weapons(find_triggers(sentence.doc)):
            rule, tok = found.rule, found.token
            if rule.event_type == "ASSAULT" and _dismissal(tok):
                continue
            if rule.mode == "suicide-attack" and tok.pos_ == "NOUN" and _names_the_victims(tok):
                continue  # "killed two suicide bombers" names people killed, not a bombing
            rally = _rallying_call(tok) if rule.event_type == "REQUEST" else None
            if rally is not None:
                (etype, rally_mode, cameo), party = rally
                rule = TriggerRule(rule.lemma, rule.pos, etype, rally_mode, cameo, ())
            mode = _assault_mode(found) if rule.event_type == "ASSAULT" else rule.mode
            if rule.event_type == "PROTEST" and mode in ("demo", "obstruct") and _riot_context(ctx, sentence):
                mode = "riot"
            ptype = types[rule.event_type]
            mood = modality(tok)
            sources, recipients = roles(tok, rule.event_type)
            for extra in found.merged[1:]:
                more_s, more_r = roles(extra, rule.event_type)
                sources += [t for t in more_s if t not in sources]
                recipients += [t for t in more_r if t not in recipients]
            if rally is not None:
                recipients = [party]  # the side rallied for or against, not those called on
            start = sentence.char(tok)
            record = Event(
                id=f"{ctx.article.id}-{len(ctx.drafts):02d}",
                article_id=ctx.article.id,
                story_date=ctx.article.date,
                event_type=rule.event_type,
                mode=mode,
                quad_class=ptype.quad_class,
                goldstein=ptype.goldstein,
                negated=mood.negated,
                hypothetical=mood.hypothetical,
                cameo=rule.cameo,
                trigger=Evidence(text=tok.text, start=start, end=start + len(tok.text)),
                evidence=Evidence(text=sentence.text, start=sentence.start, end=sentence.end),
            )
            if mood.reason:
                record.reasons.append(f"modality: {mood.reason}")
            ctx.drafts.append(Draft(sentence=sentence, trigger=tok, record=record,
                                    trigger_tokens=found.merged, source_heads=sources,
                                    recipient_heads=recipients))
            stance = stance_event(ctx, sentence, record, mood, sources, recipients)
            if stance is not None:
                ctx.drafts.append(stance)
    inherit_recipients(ctx.drafts)


NAME_TYPES = {"ORG", "PERSON", "GPE", "NORP"}


def _rallying_call(call: Token) -> tuple[tuple[str, str | None, str], Token] | None:
    """"urged the powers to support the PLO", "called on Arabs to unite and mobilize against X": a call
    whose complement backs or opposes a third party (data/rally_calls.tsv) rallies support or opposition.
    The (event type, mode, CAMEO) and the party's head, or None."""
    if call.pos_ != "VERB":
        return None
    table = rally_calls()
    # the parser hangs "called on X to unite" as xcomp, ccomp, or an infinitive advcl
    complements = [c for c in call.children if c.pos_ == "VERB" and (c.dep_ in ("xcomp", "ccomp") or (
        c.dep_ == "advcl" and any(a.dep_ == "aux" and a.tag_ == "TO" for a in c.children)))]
    for verb in complements + [j for c in complements for j in c.conjuncts]:
        lemma = verb.lemma_.lower()
        for child in verb.children:
            if child.dep_ == "prep" and (lemma, child.lower_) in table:
                party = next((o for o in child.children if o.dep_ == "pobj"), None)
                if party is not None:
                    return table[(lemma, child.lower_)], party
            if child.dep_ == "dobj" and (lemma, "") in table and (child.ent_type_ in NAME_TYPES or child.pos_ == "PROPN"):
                return table[(lemma, "")], child  # a named party; a policy backed stays a request
    return None


AIMING_PREPOSITIONS = {"at", "on", "upon", "into", "towards", "toward"}
PERSON_PRONOUNS = {"he", "she", "i", "we", "you"}  # "it was fired" may be a rocket


def _exchange_named(tok: Token) -> bool:
    """The trigger's sentence says fire went both ways ("exchanged", "in both directions")."""
    table = weapon_modes()
    return any(table.get(t.lower_) == "exchange" or (t.i > 0 and table.get(f"{t.nbor(-1).lower_} {t.lower_}") == "exchange")
               for t in tok.sent)


def _dismissal(tok: Token) -> bool:
    """"workers fired during the lockdown", "the minister was fired": a person fired, with nothing
    fired at anyone, lost a job; a weapon fired ("shells fired by the army") is an attack."""
    if tok.lemma_.lower() != "fire" or tok.pos_ != "VERB":
        return False
    if any(c.dep_ == "prep" and c.lower_ in AIMING_PREPOSITIONS
           and not any(o.ent_type_ in ("DATE", "TIME") for o in c.children) for c in tok.children):
        return False  # "was fired upon"; "was fired on Monday" is no aim
    if tok.dep_ == "acl":
        what = tok.head
    else:
        what = next((c for c in tok.children if c.dep_ == "nsubjpass"), None)
    if what is None or what.pos_ not in ("NOUN", "PROPN") and what.lower_ not in PERSON_PRONOUNS:
        return False
    table = weapon_modes()
    named = [t for t in what.subtree if t.i <= what.i]  # "tear gas", "mortar shells"
    return not any(t.lower_ in table or t.lemma_.lower() in table for t in named)


DISRUPTION_MODES = {"weapons", "intercept"}  # a weapon seized, defused or intercepted is not used


def _without_disrupted_weapons(found: list[Found]) -> list[Found]:
    """"defused 55 IEDs", "intercepted a missile": the weapon noun is what was disrupted, not an
    attack of its own."""
    disrupting = {f.token.i for f in found if f.rule.mode in DISRUPTION_MODES}
    if not disrupting:
        return found

    def disrupted(tok: Token) -> bool:
        node = tok
        for _ in range(3):
            if node.head.i == node.i:
                return False
            node = node.head
            if node.i in disrupting:
                return True
        return False

    return [f for f in found if not (f.rule.event_type == "ASSAULT" and f.rule.mode not in DISRUPTION_MODES
                                     and f.token.pos_ in ("NOUN", "PROPN") and disrupted(f.token))]


PLACE_PREPOSITIONS = {"near", "at", "in", "around", "outside", "inside", "towards", "toward", "from"}


def _names_a_place(word: Token) -> bool:
    """"near the mine", "at Butovka Mine", "near Tank": a weapon word that names where, not what."""
    return word.ent_type_ in ("GPE", "LOC", "FAC") or (word.pos_ == "PROPN" and word.is_title) \
        or (word.dep_ == "pobj" and word.head.lower_ in PLACE_PREPOSITIONS)


ATTACKER_NOUNS = {"bomber", "bombers", "gunman", "gunmen"}
PERSON_WORDS = {"he", "his", "himself", "she", "her", "herself"}


def _names_the_victims(word: Token) -> bool:
    """"forces killed two suicide bombers": attackers named as the act's object are its victims,
    and their weapon was not used."""
    noun = word.head if word.dep_ == "compound" else word
    if noun.dep_ == "pobj" and noun.head.lower_ == "of" and noun.head.head.i != noun.head.i:
        # "killed one of the suicide bombers": the part-word stands in the object's place
        return noun.lower_ in ATTACKER_NOUNS and noun.head.head.dep_ in ("dobj", "nsubjpass")
    return noun.lower_ in ATTACKER_NOUNS and noun.dep_ in ("dobj", "nsubjpass")


def _fired_at_an_area(trigger: Token) -> bool:
    """"fired machine guns at residential areas", "at farms and villages": weapons aimed at an area
    (data/area_targets.txt), not at a force or a person."""
    if trigger.lemma_.lower() != "fire":
        return False
    holders = [trigger] + [c for c in trigger.children if c.dep_ == "dobj"]
    for prep in (c for h in holders for c in h.children if c.dep_ == "prep" and c.lower_ == "at"):
        for target in (c for c in prep.children if c.dep_ == "pobj"):
            targets = [target] + [c for c in target.conjuncts]
            if any(t.lemma_.lower() in area_targets() for t in targets):
                return True
    return False


NO_WEAPON = "none"  # weapons.tsv: a phrase with a weapon's word in it that names no weapon


def weapon_mode(tokens: list[Token]) -> str | None:
    """The most specific weapon named in the attack's clause ("fired mortar shells" → heavy-weapons)."""
    table = weapon_modes()
    modes = set()
    guns = False  # a gun or its fire named as a weapon, not the people carrying one ("gunmen")
    merged = {t.i for t in tokens}
    for tok in tokens:
        root = anchor(tok)
        # a clause with its own subject under the attack ("when the bomber refused to stop") names
        # another act's things, unless that act is a report of this attack ("using an ATGM" is not)
        other_acts = {w.i for c in root.subtree if c.dep_ in ("advcl", "ccomp") and c.i != root.i
                      and c.i not in merged and any(g.dep_ in ("nsubj", "nsubjpass", "mark") for g in c.children)
                      for w in c.subtree}
        words = [w for w in root.subtree if w.i not in other_acts]
        if tok.dep_ in ("acl", "relcl"):  # "shells fired by …": the weapon is the noun the verb hangs on
            words.append(tok.head)
        for word in words:
            if word.dep_ == "ccomp":
                continue
            if _names_a_place(word) or _names_the_victims(word):
                pair = f"{word.nbor(-1).lower_} {word.lower_}" if word.i > 0 else ""
                if "exchange" in (table.get(pair), table.get(word.lower_)):
                    modes.add("exchange")  # "in both directions", "in an exchange of fire": how, not where
                continue
            # "grenade launchers": a two-word name is read at its second word (by position: the
            # parser sometimes takes "grenade" for a verb)
            after = word.nbor(1).lower_ if word.i + 1 < len(word.doc) else ""
            if f"{word.lower_} {after}" in table:
                continue
            before = word.nbor(-1).lower_ if word.i > 0 else ""
            earlier = word.nbor(-2).lower_ if word.i > 1 else ""
            # three words ("heavy machine guns"), then two, then the word itself
            phrase = next((p for p in (f"{earlier} {before} {word.lower_}", f"{before} {word.lower_}") if p in table),
                          None)
            if not phrase and word.lower_ in ATTACKER_NOUNS and PERSON_WORDS & {t.lower_ for t in word.doc}:
                continue  # "the bomber detonated his explosives": a person, not an aircraft
            if phrase or word.lower_ in table:
                modes.add(table[phrase or word.lower_])
                guns |= table[phrase or word.lower_] == "firearms" and word.lower_ not in ATTACKER_NOUNS
    modes.discard(NO_WEAPON)  # "a gold mine" is no landmine
    specific = modes & {"explosives", "aerial", "drone", "suicide-attack"}
    if "exchange" in modes:
        modes.discard("exchange")
        if not specific:
            return "firearms"  # fire traded both ways is a battle, whatever the weapons
    if modes and modes <= {"firearms", "heavy-weapons"} and any(_fired_at_an_area(t) for t in tokens):
        return "heavy-weapons"  # guns fired at villages or farms, at no force: a bombardment
    if "firearms" in modes and "heavy-weapons" in modes and not specific:
        return "firearms"  # mortars or grenade launchers with small arms: an exchange of fire, not a shelling
    if guns and "grenade" in modes and not specific:
        return "firearms"  # "attacked the patrol with grenades and rifles": a gunfight, not a grenade attack
    return min(sorted(modes), key=lambda m: MODE_RANK.get(m, 9)) if modes else None


CAUSE_PREPS = {"against", "for", "over", "about", "after", "following", "of"}
FORCE_SUBJECTS = {"police", "guards", "guard", "forces", "soldiers", "troops", "officers", "army", "gendarmes"}


def _told_of_the_protesters(word: Token) -> bool:
    """A violence word that tells what the protest did, not its cause ("against the violent
    attack", "for a burnt transformer") nor the force used on it ("guards threw tear gas")."""
    if any(c.lower_ == "verbal" for c in word.children):
        return False  # "verbal confrontations with drivers": words, not violence
    if names_a_force(word):
        return False  # "riot police detained them": the force's name
    if any(c.dep_ == "dobj" and c.lemma_.lower() in ("effigy", "effigies", "flag", "flags") for c in word.children):
        return False  # "burned an effigy of the minister": a symbol, not violence
    node = word
    for _ in range(6):
        if node.dep_ == "prep" and node.lower_ in CAUSE_PREPS or node.lemma_.lower() == "demand":
            return False
        if node.pos_ == "VERB" and any(c.dep_ == "nsubj" and c.lemma_.lower() in FORCE_SUBJECTS for c in node.children):
            return False
        if node.dep_ == "relcl" and node.head.lemma_.lower() not in FORCE_SUBJECTS:
            # "police dispersed 200 people, who were burning debris": what the people did
            return not any(c.dep_ in ("nsubjpass", "auxpass") for c in node.children)
        if node.head.i == node.i:
            break
        node = node.head
    return True


def _riot_context(ctx: CodingContext, sentence) -> bool:
    """Violence words in the protest's sentence or the next one ("Clashes with police broke out"),
    unless one of them says the protest was peaceful. In the protest's own sentence a word counts
    only when it tells what the protesters did; in the next, the nouns "riot(s)" do not count (they
    name riots told of elsewhere)."""
    words = riot_words()
    following = [s for s in ctx.sentences if s.index == sentence.index + 1]
    later_words = [w for s in following for w in s.text.lower().replace(",", " ").replace(".", " ").split()]
    later = {w for i, w in enumerate(later_words) if i == 0 or later_words[i - 1] != "verbal"}
    own = {t.lower_ for t in sentence.doc}
    if any("!" + w in words for w in own | later):
        return False
    if any(t.lower_ in words and _told_of_the_protesters(t) for t in sentence.doc):
        return True
    parsed = [s for s in following if s.doc is not None]
    if parsed:  # "Protesters demanded the return of looted funds": the looting is what they want undone
        return any(t.lower_ in words - {"riot", "riots"} and _told_of_the_protesters(t) for s in parsed for t in s.doc)
    return bool((later - {"riot", "riots"}) & words)


def stance_event(ctx: CodingContext, sentence, record: Event, mood, sources, recipients) -> Draft | None:
    """PLOVER codes a stated intent as an event of its own: "X will send aid" is X AGREEing,
    "X vowed to attack" is X THREATENing, "X declined to resign" is X REJECTing."""
    if mood.cue is None or match_rule(mood.cue) is not None:
        return None  # the cue is a trigger itself ("promised", "threatened"): already coded
    intent, refusal = intent_events().get(record.event_type, (None, None))
    if mood.kind in ("intent", "future") and intent:
        if any(t.lower_ == "unless" for t in sentence.doc):
            # "X will withdraw unless Y …": an ultimatum, a threat whatever the act announced
            etype, why = "THREATEN", f"ultimatum ({mood.cue.text} … unless) to {record.event_type.lower()}"
        elif intent != "THREATEN" and any(t.lower_ == "if" for t in sentence.doc):
            # "X would meet Y if Y …": an offer on a condition is still an offer (PLOVER AGREE)
            etype, why = intent, f"conditional offer ({mood.cue.text} … if) to {record.event_type.lower()}"
        elif intent == "THREATEN" and mood.cue.lemma_.lower() in PREPARING:
            # "the army prepared to resume shelling": getting ready to use force is mobilizing
            etype, why = "MOBILIZE", f"preparing ({mood.cue.text}) to {record.event_type.lower()}"
        else:
            etype, why = intent, f"stated intent ({mood.cue.text}) to {record.event_type.lower()}"
    elif mood.kind in ("negation", "refusal") and refusal:
        etype, why = refusal, f"refusal ({mood.cue.text}) to {record.event_type.lower()}"
    else:
        return None
    ptype = plover_types()[etype]
    start = sentence.char(mood.cue)
    stance = record.model_copy(deep=True, update={  # deep: the two records must not share their parts
        "id": f"{record.id}s", "event_type": etype, "mode": None, "quad_class": ptype.quad_class,
        "goldstein": ptype.goldstein, "negated": False, "hypothetical": False, "cameo": None,
        "trigger": Evidence(text=mood.cue.text, start=start, end=start + len(mood.cue.text)),
        "reasons": [f"derived: {why}"],
    })
    return Draft(sentence=sentence, trigger=mood.cue, record=stance, trigger_tokens=[mood.cue],
                 source_heads=list(sources), recipient_heads=list(recipients))
