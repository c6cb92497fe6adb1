"""The trigger lexicon (data/triggers.tsv) and the PLOVER table (data/plover.tsv), indexed once."""
from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from eventcoder.wordlists import word_set

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class TriggerRule:
    lemma: str
    pos: str  # VERB, NOUN, AUX or ADJ
    event_type: str
    mode: Optional[str]
    cameo: Optional[str]
    needs: tuple[str, ...]  # words that must stand beside the trigger ("lay down", "call for")


@dataclass(frozen=True)
class PloverType:
    event_type: str
    quad_class: int
    goldstein: float
    recipient_required: bool


def _rows(path: Path):
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if row and not row[0].startswith("#"):
                yield row + [""] * 6


@functools.lru_cache(maxsize=1)
def trigger_rules() -> dict[tuple[str, str], list[TriggerRule]]:
    """(lemma, POS) → rules, those with required neighbour words first."""
    rules: dict[tuple[str, str], list[TriggerRule]] = {}
    for lemma, pos, etype, mode, cameo, needs, *_ in _rows(DATA / "triggers.tsv"):
        rule = TriggerRule(lemma, pos, etype, mode or None, cameo or None,
                           tuple(w for w in needs.split(",") if w))
        rules.setdefault((lemma, pos), []).append(rule)
    for key in rules:
        rules[key].sort(key=lambda r: not r.needs)
    return rules


@functools.lru_cache(maxsize=1)
def plover_types() -> dict[str, PloverType]:
    return {
        etype: PloverType(etype, int(quad), float(gold), req == "yes")
        for etype, quad, gold, req, *_ in _rows(DATA / "plover.tsv")
    }


def _inflections(lemma: str) -> set[str]:
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if len(lemma) > 2 and lemma[-1] not in "aeiouwy" and lemma[-2] in "aeiou":
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}  # shelled, shelling
    return forms


@functools.lru_cache(maxsize=1)
def candidate_forms() -> dict[str, Optional[frozenset[str]]]:
    """Lower-case surface forms that may be a trigger → the words one of which must also be in the
    sentence (None: none needed). The cheap test that decides which sentences to parse."""
    irregular = {row[0]: row[1].split("|") for row in _rows(DATA / "irregular_forms.tsv")}
    for lemma, forms in _model_irregular_forms().items():
        irregular[lemma] = irregular.get(lemma, []) + forms
    needs_of: dict[str, Optional[set[str]]] = {}
    for (lemma, _pos), rules in trigger_rules().items():
        for rule in rules:
            needed = None if not rule.needs or "@NORP" in rule.needs else _surface_needs(rule.needs, irregular)
            for form in _inflections(lemma) | set(irregular.get(lemma, [])):
                if form in needs_of and needs_of[form] is None:
                    continue
                if needed is None:
                    needs_of[form] = None
                else:
                    needs_of[form] = (needs_of.get(form) or set()) | needed
    return {form: (None if needed is None else frozenset(needed)) for form, needed in needs_of.items()}


def _surface_needs(needs: tuple[str, ...], irregular: dict[str, list[str]]) -> set[str]:
    """The words of a rule's needs as they may be written: a head lemma ("^express") in any of its
    forms ("expressed"), since the cheap test sees the sentence's words, not their lemmas."""
    words: set[str] = set()
    for need in needs:
        if need.startswith("^"):
            lemma = need[1:]
            words |= _inflections(lemma) | set(irregular.get(lemma, []))
        else:
            words.add(need.removeprefix(">"))  # ">to": the complement word as written
    return words


def _model_irregular_forms() -> dict[str, list[str]]:
    """lemma → the irregular forms the spaCy model's lemmatizer knows ("broke" → break, "froze" →
    freeze, "overran" → overrun), so that no trigger verb is skipped for want of a hand-listed form."""
    try:
        from eventcoder.nlp import load_model

        tables = load_model().get_pipe("lemmatizer").lookups.get_table("lemma_exc")
    except (RuntimeError, KeyError, ValueError):  # no model or a lookup-free lemmatizer: the data file only
        return {}
    forms: dict[str, list[str]] = {}
    for pos in ("verb", "noun"):
        if pos not in tables:
            continue
        for form, lemmas in tables[pos].items():
            for lemma in lemmas:
                if form != lemma:
                    forms.setdefault(lemma, []).append(form)
    return forms


MODE_RANK = {"suicide-attack": 0, "unconventional": 0.5, "explosives": 1, "aerial": 1, "drone": 1, "heavy-weapons": 2, "grenade": 2,
             "firearms": 3, "crowd-control": 3.5, "primitive": 4}  # tear gas with live rounds: firearms


@functools.lru_cache(maxsize=1)
def weapon_modes() -> dict[str, str]:
    """Weapon words → PLOVER ASSAULT mode (data/weapons.tsv)."""
    return {row[0]: row[1] for row in _rows(DATA / "weapons.tsv")}


@functools.lru_cache(maxsize=1)
def area_targets() -> frozenset[str]:
    """Nouns for an area fired at (data/area_targets.txt): fire at them is a bombardment."""
    return word_set(DATA / "area_targets.txt")


@functools.lru_cache(maxsize=1)
def riot_words() -> frozenset[str]:
    return word_set(DATA / "riot_words.txt")


@functools.lru_cache(maxsize=1)
def intent_events() -> dict[str, tuple[str | None, str | None]]:
    """Intended event type → (event for stating the intent, event for refusing it); data/intent_map.tsv."""
    return {row[0]: (row[1] or None, row[2] or None) for row in _rows(DATA / "intent_map.tsv")}


@functools.lru_cache(maxsize=1)
def incident_words() -> dict[str, frozenset[str]]:
    """The word lists the incidents and records stages read, by kind (data/incident_words.tsv)."""
    return {kind: frozenset(words.split()) for kind, words, *_ in _rows(DATA / "incident_words.tsv")}


@functools.lru_cache(maxsize=1)
def rally_calls() -> dict[tuple[str, str], tuple[str, str | None, str]]:
    """(complement verb, preposition) → (event type, mode, CAMEO code) of a call to back or oppose a
    third party (data/rally_calls.tsv)."""
    return {(row[0], row[1]): (row[2], row[3] or None, row[4]) for row in _rows(DATA / "rally_calls.tsv")}


def fighting_lemmas() -> frozenset[str]:
    """Triggers of an exchange of fire ("clash", "fight")."""
    return incident_words()["fighting"]
