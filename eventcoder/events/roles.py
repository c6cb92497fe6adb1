"""Source and recipient mentions from the dependency parse.

"X shelled Y", "Y was shelled by X", "shelling by X", "X's offensive", "protests against Y",
"X asked Y to stop", "X called on Y to …", "a conversation with Y": each role is a noun phrase
span of the sentence; resolving it to a country and sector is the actors stage's job.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Iterable

from spacy.tokens import Span, Token

from eventcoder.wordlists import word_set

DATA = Path(__file__).resolve().parent / "data"
NP_DEPS = {"det", "amod", "compound", "poss", "nummod", "quantmod", "case", "nmod", "npadvmod", "advmod"}
RECIPIENT_PREPS = {"against", "on", "at", "upon", "with", "toward", "towards", "to"}
SUBJECTS = {"nsubj", "csubj"}
PLACE_PREPS = {"at", "in", "near", "on", "across", "along"}
TIME_PREPS = {"after", "before", "while", "during", "by", "since", "upon"}  # not "for": "arrested for killing"
ACTOR_POS = {"NOUN", "PROPN", "PRON", "ADJ"}  # ADJ: demonyms ("Russian shelling")


@functools.lru_cache(maxsize=1)
def light_verbs() -> frozenset[str]:
    """Verbs whose object noun carries the event ("launched an offensive", "opened fire")."""
    lines = (DATA / "light_verbs.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in lines if not w.startswith("#"))


def is_light(verb: Token) -> bool:
    """A light verb, by lemma or by its plain de-inflections (the lemmatizer reads "staged" as "stag")."""
    lower = verb.lower_
    forms = {verb.lemma_.lower(), lower, lower[:-1], lower[:-2], lower[:-3]}
    return bool(forms & light_verbs())


@functools.lru_cache(maxsize=1)
def statement_nouns() -> frozenset[str]:
    """Nouns for what an actor issues ("a statement demanding …"), from data/statement_nouns.txt."""
    return word_set(DATA / "statement_nouns.txt")


@functools.lru_cache(maxsize=1)
def agentive_of_nouns() -> frozenset[str]:
    """Event nouns whose "of" phrase is the doer ("the deployment of NATO troops"), from data/agentive_of_nouns.txt."""
    return word_set(DATA / "agentive_of_nouns.txt")


@functools.lru_cache(maxsize=1)
def place_nouns() -> frozenset[str]:
    """Nouns that name places ("village", "area"), from data/place_nouns.txt."""
    return word_set(DATA / "place_nouns.txt")


@functools.lru_cache(maxsize=1)
def stance_participles() -> frozenset[str]:
    """Participles whose passive subject holds the stance ("is committed to"), from data/stance_participles.txt."""
    return word_set(DATA / "stance_participles.txt")


@functools.lru_cache(maxsize=1)
def undertaking_verbs() -> frozenset[str]:
    """Verbs whose "on" object is what their subject does ("went on strike"), from data/undertaking_verbs.txt."""
    return word_set(DATA / "undertaking_verbs.txt")


def noun_phrase(token: Token) -> Span:
    """The noun phrase a head token stands for, with its 'of' chain ("the Armed Forces of Armenia")."""
    keep = {token.i}

    def walk(node: Token) -> None:
        for child in node.children:
            if child.dep_ in NP_DEPS:
                keep.update(t.i for t in child.subtree)
            elif child.dep_ == "prep" and child.lower_ == "of":
                keep.add(child.i)
                for grand in child.children:
                    if grand.dep_ == "pobj":
                        keep.add(grand.i)
                        walk(grand)

    walk(token)
    doc = token.doc
    start, end = min(keep), max(keep) + 1
    while start < end - 1 and doc[start].is_punct:
        start += 1
    while end - 1 > start and doc[end - 1].is_punct:
        end -= 1
    return doc[start:end]


def _with_conjuncts(tokens: Iterable[Token]) -> list[Token]:
    out: list[Token] = []
    for tok in tokens:
        for item in (tok, *tok.conjuncts):
            if item not in out and item.pos_ in ACTOR_POS:
                out.append(item)
    return out


def _subject(verb: Token, hops: int = 3) -> list[Token]:
    node = verb
    for _ in range(hops):
        subj = [c for c in node.children if c.dep_ in SUBJECTS]
        if subj:
            return subj
        agent = [g for c in node.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
        if agent:
            return agent
        # "X is willing to withdraw": through the adjective the infinitive hangs on to its subject
        if node.dep_ in ("conj", "xcomp", "advcl", "acomp") and node.head.i != node.i:
            node = node.head
        elif node.dep_ == "pcomp" and node.head.lower_ in TIME_PREPS and node.head.head.i != node.head.i:
            node = node.head.head  # "X retook the town after fighting with Y": X fought
        else:
            break
    return []


def _prep_objects(token: Token, preps: set[str]) -> list[Token]:
    """Objects of the token's prepositions, coordinated ones too ("against X and against Y")."""
    heads = [c for c in token.children if c.dep_ in ("prep", "agent") and c.lower_ in preps]
    heads += [cj for h in heads for cj in h.conjuncts if cj.dep_ in ("conj", "prep") and cj.lower_ in preps]
    return [g for h in heads for g in h.children if g.dep_ == "pobj"]


def np_head(token: Token) -> Token:
    """Climb from a word inside a noun phrase to the phrase's head ("State" → "Secretary")."""
    node = token
    for _ in range(4):
        if node.dep_ in ("compound", "amod", "poss") or (node.dep_ == "pobj" and node.head.lower_ == "of"):
            node = node.head.head if node.dep_ == "pobj" else node.head
        else:
            break
    return node


def nearest_actor_left(verb: Token) -> list[Token]:
    """When the parse gives a verb no subject (quotes, long appositions), the nearest named or
    sector-word noun phrase to its left, outside "according to …", stands in for it."""
    from eventcoder.actors.dictionary import load_dictionary

    sectors = load_dictionary().sector_words
    for tok in reversed(list(verb.doc[verb.sent.start:verb.i])):
        if any(a.lower_ == "according" for a in tok.ancestors) or tok.dep_ in ("dobj",) \
                or tok.lemma_.lower() in VICTIM_NOUNS:
            continue  # "a woman was the victim of …": the victim did nothing
        named = tok.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") and tok.pos_ == "PROPN"
        if named or (tok.pos_ == "NOUN" and tok.lemma_.lower() in sectors):
            head = np_head(tok)
            if head.dep_ == "pobj":  # "in Tel Aviv", "near the border": a place or a circumstance
                continue
            if head.i < verb.i:
                return [head]
    return []


FINDING_VERBS = {"find", "discover", "leave", "recover", "dump"}  # "was found beheaded": the finder is no party
# "villagers found two bodies": who finds the dead tells of the killing, but took no part in it
DISCOVERY_VERBS = {"find", "discover", "recover"}
OBSERVER_VERBS = {"observe", "record", "report", "document", "register", "monitor", "note", "hear", "see",
                  "detect", "count", "log", "witness", "spot"}  # "the SMM recorded 25 explosions": a source


def is_symmetric(trigger: Token) -> bool:
    """Fighting has two sides and no direction ("A and B clashed", "clashes between A and B",
    "exchanged artillery with B", "an exchange of fire")."""
    from eventcoder.events.lexicon import fighting_lemmas

    fighting = fighting_lemmas()
    if trigger.lemma_.lower() in fighting or trigger.lower_ in fighting:
        return True
    head = trigger.head
    if trigger.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in fighting:
        return True  # "an exchange of fire"
    return trigger.dep_ == "dobj" and head.lemma_.lower() in fighting  # "exchanged artillery"


def _symmetric_sides(trigger: Token, sources: list[Token], recipients: list[Token]) -> tuple[list[Token], list[Token]]:
    """The two sides of a fight (lists already with their conjuncts): the first named side is the
    source, the others the recipients."""
    node = trigger
    if trigger.dep_ == "pobj" and trigger.head.lower_ == "of":
        node = trigger.head.head  # "an exchange of fire … between A and B"
    if not sources and not recipients:
        # "clashes erupted between A and B", "an exchange of fire took place between A and B"
        holders = [node] + ([node.head] if node.dep_ in ("nsubj", "dobj") else [])
        recipients = _with_conjuncts(g for h in holders for g in _prep_objects(h, {"between"}))
    if node.dep_ == "dobj" and not recipients:
        recipients = _with_conjuncts(_prep_objects(node.head, {"with", "against", "on"}))  # "exchanged artillery with B"
    if not recipients and len(sources) > 1:
        return sources[:1], sources[1:]
    if not sources and len(recipients) > 1:
        return recipients[:1], recipients[1:]
    return sources, recipients


def _stranded_subject(verb: Token) -> list[Token]:
    """A passive verb the parser left without a subject ("in Bacayopa, a man and a woman were found
    dead": 'a man' hung on the place as an apposition): the noun written just before its auxiliaries."""
    i = verb.i - 1
    doc = verb.doc
    while i >= verb.sent.start and (doc[i].dep_ in ("aux", "auxpass", "neg", "advmod") or doc[i].is_punct and doc[i].lower_ != ","):
        i -= 1
    if i < verb.sent.start or i == verb.i - 1:
        return []
    tok = doc[i]
    while tok.dep_ == "conj" and tok.head.i < tok.i:
        tok = tok.head
    if tok.pos_ in ("NOUN", "PRON") and tok.dep_ in ("appos", "conj", "pobj", "npadvmod", "dep") \
            and tok.ent_type_ not in ("GPE", "LOC", "FAC", "DATE"):
        return [tok]
    return []


def _past_the_place(subject: Token) -> Token:
    """"in Cancun, Quintana Roo, a bar employee was shot": the parser made the place's last name the
    passive subject and the person its apposition; the person (a common noun) is who underwent it."""
    doc = subject.doc
    if subject.pos_ != "PROPN" or subject.left_edge.i == 0 or doc[subject.left_edge.i - 1].lower_ != ",":
        return subject
    person = next((c for c in subject.children if c.dep_ == "appos" and c.pos_ == "NOUN" and c.i > subject.i), None)
    return person if person is not None else subject


VICTIM_NOUNS = {"victim", "target"}
WOUND_NOUNS = {"wound"}
SUFFERING_VERBS = {"suffer", "sustain", "receive"}
DYING_VERBS = {"die", "succumb", "appear", "turn"}  # "died of wounds", "a body turned up": the subject underwent it
CAUSE_PREPS = {"following", "after", "in", "during", "amid"}
UNDERGOER_OF_TYPES = {"ASSAULT", "COERCE"}  # event nouns whose "of" phrase is the one acted on
MEANS_NOUNS = {"attack", "attacks", "operation", "operations", "raid", "raids", "strike", "strikes", "fire",
               "shelling", "bombardment", "ambush", "offensive", "assault"}


ARMED_PEOPLE = {"gunman", "gunmen", "bomber", "bombers", "sniper", "snipers", "shooter", "shooters"}


def _is_means(noun: Token) -> bool:
    """A weapon or an attack named as the doer ("shells", "an airstrike", "the operation")."""
    from eventcoder.events.lexicon import weapon_modes

    if noun.lower_ in ARMED_PEOPLE:  # "gunmen killed …": people, though the word names their weapon
        return False
    return noun.pos_ == "NOUN" and (noun.lower_ in weapon_modes() or noun.lower_ in MEANS_NOUNS)


def _user_of(means: Token) -> list[Token]:
    """Who used a weapon or made an attack: its 'by' phrase, else a named modifier ("Taliban
    airstrike", "Russia's shelling"); nothing when none is named."""
    by = _prep_objects(means, {"by"})
    if by:
        return by
    return [c for c in means.children if c.dep_ in ("compound", "amod", "poss")
            and c.ent_type_ in ("NORP", "GPE", "ORG") and c.pos_ in ("PROPN", "ADJ")]


def _misparsed_main_verb(participle: Token) -> bool:
    """"A Syrian newspaper called Thursday on Arabs to unite": the parser made the noun the sentence's
    root and the verb a participle hung on it. A participle on a root noun with someone it acts on
    (an object, or "on X") and an infinitive of its own ("to unite"), and no "by" phrase, is the
    sentence's active main verb ("soldiers killed in an ambush" stays passive)."""
    head = participle.head
    acted_on = any(c.dep_ in ("dobj", "dative") for c in participle.children) \
        or bool(_prep_objects(participle, {"on", "upon"}))
    return head.dep_ == "ROOT" and head.i < participle.i and acted_on and not _prep_objects(participle, {"by"}) \
        and any(c.dep_ in ("advcl", "xcomp") and any(g.dep_ == "aux" and g.lower_ == "to" for g in c.children)
                for c in participle.children)


def _is_passive(verb: Token) -> bool:
    """Passive: a passive subject, or a passive auxiliary with no active subject ("IS militants
    attacked X": the parser may read the group's name as 'is')."""
    deps = {c.dep_ for c in verb.children}
    return "nsubjpass" in deps or ("auxpass" in deps and "nsubj" not in deps)


def _undergoers_of(trigger: Token) -> list[Token]:
    """The "of" objects of a violence or coercion noun ("the abduction of two students"): who
    underwent it; not a place ("the shelling of Aleppo", "the looting of the village")."""
    return [o for o in _prep_objects(trigger, {"of"})
            if o.ent_type_ not in ("GPE", "LOC", "FAC") and o.lemma_.lower() not in place_nouns()]


def roles(trigger: Token, event_type: str) -> tuple[list[Token], list[Token]]:
    """(source heads, recipient heads) for a trigger token."""
    sources, recipients = _roles(trigger, event_type)
    sources, recipients = _with_conjuncts(sources), _with_conjuncts(recipients)
    if event_type == "ASSAULT" and is_symmetric(trigger):
        sources, recipients = _symmetric_sides(trigger, sources, recipients)
    return sources, [r for r in recipients if r not in sources]


def _roles(trigger: Token, event_type: str) -> tuple[list[Token], list[Token]]:
    sources: list[Token] = []
    recipients: list[Token] = []
    if trigger.pos_ == "AUX":  # "X said that Y must return …": X asks, Y is asked
        verb = trigger.head
        recipients = [c for c in verb.children if c.dep_ in SUBJECTS | {"nsubjpass"}]
        if verb.dep_ == "ccomp":
            sources = _subject(verb.head)
        return sources, recipients
    if trigger.pos_ in ("VERB", "ADJ"):  # ADJ: a participle read as an adjective ("remains committed to")
        # "X is committed to …": a stance participle with no "by" phrase is X's own act
        stative = trigger.lower_ in stance_participles() and not _prep_objects(trigger, {"by"})
        passive = _is_passive(trigger) and not stative
        # "a man was shot and wounded": the second participle shares the first one's passive subject
        shared = trigger.dep_ == "conj" and trigger.tag_ == "VBN" and not passive and _is_passive(trigger.head)
        # "was found beheaded", "were found shot dead": whoever was found is the victim
        found = trigger.dep_ in ("xcomp", "oprd", "advcl", "conj", "acomp") and trigger.tag_ == "VBN" \
            and trigger.head.lemma_.lower() in FINDING_VERBS and _is_passive(trigger.head) and not passive
        if passive or shared or found:
            holder = trigger.head if shared or found else trigger
            sources = _prep_objects(trigger, {"by"}) or (_prep_objects(holder, {"by"}) if shared else [])
            recipients = [_past_the_place(c) for c in holder.children if c.dep_ == "nsubjpass"] or _stranded_subject(holder)
            if not recipients and passive and trigger.dep_ in ("pcomp", "advcl"):
                # "a farmer died after being shot by gunmen": the one shot is the subject of the verb
                # the clause hangs on
                governor = trigger.head.head if trigger.dep_ == "pcomp" else trigger.head
                recipients = [c for c in governor.children if c.dep_ in ("nsubj", "nsubjpass")]
            if not sources:  # "were killed following an operation by X", "… in an attack by X"
                sources = [g for p in _prep_objects(holder, CAUSE_PREPS) for g in _prep_objects(p, {"by"})]
        else:
            sources = _subject(trigger) or ([c for c in trigger.children if c.dep_ == "nsubjpass"] if stative else [])
            # "shells by X killed …", "a Taliban airstrike killed …": the weapon or attack that is the
            # subject stands for whoever used it
            sources = [t for src in sources for t in (_user_of(src) if _is_means(src) else [src])]
            recipients = [c for c in trigger.children if c.dep_ in ("dobj", "dative")]
            if not recipients and not any(c.dep_ in ("xcomp", "ccomp") for c in trigger.children):
                # "attacked and injured a farmer": a verb with no object of its own shares that of
                # the verb coordinated after it (when that one has no subject of its own)
                for conj in trigger.conjuncts:
                    if conj.i > trigger.i and conj.pos_ == "VERB" and not any(
                            c.dep_ in SUBJECTS | {"nsubjpass"} for c in conj.children):
                        recipients = [c for c in conj.children if c.dep_ == "dobj"] or recipients
            if not sources:  # "due to shelling by X": a gerund's agent
                sources = _prep_objects(trigger, {"by"})
            if not recipients and trigger.tag_ == "VBG" and event_type in UNDERGOER_OF_TYPES:
                recipients = _undergoers_of(trigger)  # "killing of a civilian by soldiers": a gerund read as a verb
            statement = trigger.head
            if trigger.dep_ == "acl" and statement.lemma_.lower() in statement_nouns() and statement.dep_ == "dobj" \
                    and not sources:
                sources = _subject(statement.head)  # "X issued a statement condemning Y": X condemns
            if trigger.dep_ == "acl" and trigger.head.pos_ in ("NOUN", "PROPN"):
                # a verb hung on a noun: "interns protested" (a misparse: the noun acts) or
                # "elements killed (by X)" (a participle: the noun undergoes)
                if trigger.tag_ == "VBN" and event_type != "PROTEST" and not _misparsed_main_verb(trigger):
                    recipients = recipients or [trigger.head]
                elif not sources:
                    sources = [trigger.head]
            if trigger.pos_ == "ADJ" and trigger.dep_ in ("ccomp", "oprd") and trigger.head.pos_ == "VERB":
                # "X made the wearing of masks mandatory": X makes the rule; the small clause's
                # subject is what the rule is about
                sources = _subject(trigger.head) or sources
            if not sources and trigger.dep_ in ("ROOT", "advcl", "conj", "ccomp"):
                sources = nearest_actor_left(trigger)
            if event_type == "ASSAULT" and trigger.lemma_.lower() in DISCOVERY_VERBS:
                sources = []
            if event_type == "ASSAULT" and trigger.lemma_.lower() in DYING_VERBS:
                # "a cobbler died of gunshot wounds", "a body turned up": the subject underwent the attack
                sources, recipients = [], [s for s in sources if s.dep_ in SUBJECTS] + recipients
        recipients += _prep_objects(trigger, RECIPIENT_PREPS)
        for obj in [c for c in trigger.children if c.dep_ == "dobj"]:
            # "provided aid to X", "shared evidence with X": the object's own preposition names the other side
            recipients += _prep_objects(obj, {"to", "with", "for", "against"})
    else:
        sources = _prep_objects(trigger, {"by"}) + [c for c in trigger.children if c.dep_ == "poss"]
        if not sources and trigger.lemma_.lower() in agentive_of_nouns():
            sources = _prep_objects(trigger, {"of"})  # "the deployment of NATO troops"
        # "talks between A and B", "a mediation between A and B": the sides met or mediated between
        recipients = _prep_objects(trigger, RECIPIENT_PREPS | {"between"})
        if event_type in UNDERGOER_OF_TYPES and trigger.lemma_.lower() not in agentive_of_nouns():
            # "the killing of a civilian by soldiers", "the abduction of two students": the "of" phrase
            # of a violence or coercion noun names who underwent it (not a place: "the shelling of Aleppo")
            recipients += _undergoers_of(trigger)
        head = trigger.head
        observed = head.lemma_.lower() in OBSERVER_VERBS or (
            head.lower_ == "of" and head.head.dep_ == "dobj" and head.head.head.lemma_.lower() in OBSERVER_VERBS)
        if observed:
            pass  # "the monitors observed 25 explosions", "recorded a total of 6 shots": the observer is a source
        elif trigger.lemma_.lower() in WOUND_NOUNS and event_type == "ASSAULT" and (
                trigger.dep_ == "dobj" and head.lemma_.lower() in SUFFERING_VERBS
                or trigger.dep_ == "pobj" and head.lower_ == "with" and head.head.pos_ == "NOUN"):
            # "a man suffered gunshot wounds", "a man with stab wounds": the wounded one was attacked
            recipients = recipients or (_subject(head) if trigger.dep_ == "dobj" else [head.head])
        elif trigger.dep_ == "dobj" and head.pos_ == "VERB":
            if not sources and is_light(head):
                sources = _subject(head)  # light verbs: "X launched an offensive", "X held talks"
            # "provoked protests … against Y", "opened fire on Y": the verb carries the preposition
            recipients = recipients or _prep_objects(head, {"against"} if not is_light(head)
                                                     else RECIPIENT_PREPS - {"with"})
        elif trigger.dep_ == "pobj" and head.lower_ == "of" and head.head.lemma_.lower() in VICTIM_NOUNS \
                and head.head.dep_ == "attr":
            # "a woman was (the) victim of a femicide": the copula's subject underwent it
            copula = head.head.head
            before = copula.doc[copula.i - 1] if copula.i > copula.sent.start else copula
            recipients = recipients or [_past_the_place(c) for c in copula.children if c.dep_ in ("nsubj", "nsubjpass")] \
                or ([before] if before.pos_ == "NOUN" and before.dep_ == "appos" else [])
        elif trigger.dep_ == "pobj" and head.lower_ == "under" and head.head.pos_ == "VERB" \
                and head.head.lemma_.lower() in ("come", "be"):
            # "a patrol came under attack by militants": the one the verb tells of was attacked
            recipients = _subject(head.head) + [r for r in recipients if r.ent_type_ not in ("GPE", "LOC", "FAC")
                                                and r.lemma_.lower() not in place_nouns()]
        elif trigger.dep_ == "pobj" and head.lower_ == "into" and head.head.pos_ == "VERB":
            # "were taken into custody by the police", "took three men into custody": the verb's doer
            # and the people it moved
            verb = head.head
            sources = sources or _subject(verb)
            recipients = recipients or [c for c in verb.children if c.dep_ in ("nsubjpass", "dobj")]
        elif not sources and trigger.dep_ == "pobj" and head.lower_ in ("during", "in", "after", "at", "for") \
                and head.head.pos_ == "VERB":
            sources = _subject(head.head)  # "X explained during a conversation with Y", "X returned for talks"
        elif not sources and trigger.dep_ == "pobj" and head.lower_ == "on" and head.head.pos_ == "VERB" \
                and head.head.lemma_.lower() in undertaking_verbs():
            sources = _subject(head.head)  # "workers went on strike", "embarked on a hunger strike"
        elif not sources and trigger.dep_ == "pobj" and head.lower_ == "of":
            # "X will provide 25,000 tons of aid": through the measure noun to the verb that carries it
            measure = head.head
            if measure.dep_ == "dobj" and measure.head.pos_ == "VERB":
                sources = _subject(measure.head)
        if not recipients and trigger.dep_ == "pobj":
            recipients = _prep_objects(trigger, {"with"})
    if not sources:  # "Russian shelling", "Azerbaijan's offensive" (also gerunds parsed as verbs)
        sources = [c for c in trigger.children if c.dep_ in ("amod", "compound", "poss")
                   and c.ent_type_ in ("NORP", "GPE", "ORG")]
    # "at Rajdhani village area", "in the town": a place the event happened at is not its target
    recipients = [r for r in recipients if not (r.dep_ == "pobj" and r.head.lower_ in PLACE_PREPS and (
        r.lemma_.lower() in place_nouns() or (r.ent_type_ in ("GPE", "LOC", "FAC") and r.head.lower_ not in ("on", "at"))))]
    # a person's own conversation partner, not his apposition
    recipients = [r for r in recipients if r not in sources]
    return sources, recipients
