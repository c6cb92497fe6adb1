"""Place phrases: a place named together with the places that contain it.

News and event notes write where something happened as a chain, most specific first:
"in Menakuru village (Nellore, Andhra Pradesh)", "near Opytne, Donetsk", "in Tall Sakhr in rural Ras
al Ain in al-Hasakeh", "the village of Tieba (Bankass, Mopti)", "in Babruysk of the Mogilev region".
Each link of the chain is a *slot*: the name, what the words around it say about its kind
("village", "LGA", "province"), and the slot that contains it. The resolver uses the chain both ways:
a name is read as the place that lies inside its containers, a container as the unit that holds the
name; and when the most specific name is in no gazetteer (a small village), its containers still
say where the event was.

The chains are read from the surface text, not the parse: a small parser often attaches "in X, Y,"
to the wrong word, and NER often calls an unfamiliar village a person or an organisation.
"""
from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from typing import Optional

from eventcoder.places.gazetteer import DATA_DIR

MAX_NAME_WORDS = 6
# Month and weekday names (English, from the standard library): they end a name, never extend it.
TIME_WORDS = frozenset(name.lower() for name in (*calendar.month_name[1:], *calendar.day_name))

# "J&K": an ampersand joins the letters of an abbreviated name
_POSSESSIVE_END = re.compile(r"['’]s$")
_TOKEN = re.compile(r"[^\W\d_][\w'’‘ʼ`\-]*(?:&\w+)*|\d[\w\-]*|[(),;:.\"“”]|\S")


@dataclass
class Slot:
    """One name of a place phrase, at character offsets of the text it was read from."""

    start: int
    end: int
    text: str
    hint: Optional[str] = None  # settlement, admin2, admin1, feature, area (see place_units.tsv)
    container: Optional[int] = None  # index of the slot that contains this one
    link: Optional[str] = None  # how the container is written: "paren", "comma", "in", "of"
    near: bool = False  # "near X", "the outskirts of X", "X countryside": around X, not in it
    bare: bool = False  # read with no preposition before it ("shelled Menbij in Aleppo"): a place only if known
    alternative: Optional[str] = None  # another spelling written in square brackets after it ("[Sambonay]")
    needs_unit: bool = False  # a word that is a place's name only with its unit word ("Beach camp")
    closing_word: bool = False  # such a word read as the last container in brackets ("(Saida, South)")
    unit_end: Optional[int] = None  # end of the unit words written after the name ("Aida camp"), if any


@dataclass
class _Token:
    start: int
    end: int
    text: str

    @property
    def lower(self) -> str:
        return self.text.lower()


@functools.lru_cache(maxsize=1)
def phrase_words() -> dict[str, frozenset[str]]:
    """The reader's word lists by role (data/place_phrase_words.tsv)."""
    rows = (DATA_DIR / "place_phrase_words.tsv").read_text(encoding="utf-8").splitlines()
    table = [row.split("\t") for row in rows if row.strip() and not row.startswith("#")][1:]
    found: dict[str, set[str]] = {}
    for role, word in table:
        found.setdefault(role.strip(), set()).add(word.strip())
    return {role: frozenset(words) for role, words in found.items()}


def words(role: str) -> frozenset[str]:
    return phrase_words().get(role, frozenset())


@functools.lru_cache(maxsize=1)
def unit_hints() -> dict[str, str]:
    rows = (DATA_DIR / "place_units.tsv").read_text(encoding="utf-8").splitlines()
    table = [row.split("\t") for row in rows if row.strip() and not row.startswith("#")]
    return {word.strip().lower(): hint.strip() for word, hint in table[1:]}


@functools.lru_cache(maxsize=1)
def modifiers() -> frozenset[str]:
    rows = (DATA_DIR / "place_modifiers.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(row.strip() for row in rows if row.strip() and not row.startswith("#"))


@functools.lru_cache(maxsize=1)
def _not_names() -> frozenset[str]:
    """Capitalised words that never start a place name alone (months, weekdays, titles)."""
    rows = (DATA_DIR / "scan_stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(row.strip().lower() for row in rows if row.strip() and not row.startswith("#"))


def _capitalised(token: _Token) -> bool:
    """"Maphumulo", and the lower-case prefix of some African names ("iLembe", "eThekwini")."""
    text = token.text
    return text[:1].isupper() or (len(text) > 2 and text[0].islower() and text[1].isupper())


def _article_joined(token: _Token) -> bool:
    """"al-Hasakeh", "ez-Zor": a lower-case article hyphenated to a capitalised word."""
    head, _, rest = token.text.partition("-")
    return head in words("article") and rest[:1].isupper()


class _Reader:
    """A tiny recursive-descent reader over the tokens of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [_Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]

    def adjacent(self, i: int) -> bool:
        """Token i follows token i-1 after one space or a hyphen at most."""
        gap = self.text[self.tokens[i - 1].end:self.tokens[i].start]
        return gap in ("", " ")

    def at(self, i: int) -> Optional[_Token]:
        return self.tokens[i] if 0 <= i < len(self.tokens) else None

    def name(self, i: int, before_unit: bool = False, last_in_brackets: bool = False,
             last_after_comma: bool = False) -> Optional[tuple[int, int]]:
        """The name starting at token i: (first token, end token exclusive), or None. With
        ``before_unit``, a word that is no name alone ("Beach") is one before a settlement's unit
        word ("the Beach camp"); the caller keeps it only where the gazetteer knows the two. With
        ``last_in_brackets``, such a word is the outermost container of a bracketed chain ("Saida
        (Saida, South)", "San Lorenzo (Central)": Lebanon's South governorate, Paraguay's Central
        department) where it closes the brackets; with ``last_after_comma``, where it ends the
        phrase after a comma ("in San Lorenzo, Central."). The caller keeps it only where a place of
        that name holds what is written inside it."""
        first = self.at(i)
        if first is None:
            return None
        j = i
        if first.lower in words("article") and first.text.islower():
            nxt = self.at(i + 1)
            if nxt is None or not _capitalised(nxt) or not self.adjacent(i + 1):
                return None
            j = i + 1
        elif not (_capitalised(first) or _article_joined(first)):
            return None
        end = j + 1
        if len(first.text) == 1 and first.text.isupper() and (dot := self.at(end)) is not None and dot.text == "." \
                and dot.start == first.end and (rest := self.at(end + 1)) is not None and len(rest.text) > 2 \
                and rest.text[:1].isupper() and self.text[dot.end:rest.start] == " ":
            end += 1  # "J. Augusto Saldivar": a name that opens with an initial
        while end - i < MAX_NAME_WORDS:
            tok = self.at(end)
            if tok is None or not self.adjacent(end):
                break
            if tok.lower in TIME_WORDS:
                break  # "Zahle on Friday": a weekday or month ends the name
            if _capitalised(tok) or _article_joined(tok) or tok.text[:1].isdigit() and self.text[tok.start - 1] == "-":
                end += 1
                continue
            if tok.text == "/" and self.text[tok.start - 1:tok.start] != " " and (part := self.at(end + 1)) is not None \
                    and _capitalised(part) and part.start == tok.end:
                end += 2  # "Tunapuna/Piarco", "Ohaji/Egbema": one unit named after two towns
                continue
            if tok.text.isdigit() and end == j + 1 and unit_hints().get(first.lower) == "area":
                end += 1  # "Colonia 20 de Noviembre": a neighbourhood named by a date
                continue
            # one or two particles between capitalised words ("Ras al Ain", "Chilpancingo de los Bravo")
            joined = 0
            while joined < 2 and (part := self.at(end + joined)) is not None and part.lower in words("connector") \
                    and part.text.islower() and (joined == 0 or self.adjacent(end + joined)):
                joined += 1
            after = self.at(end + joined)
            if joined and after is not None and _capitalised(after) and self.adjacent(end + joined) \
                    and after.lower not in TIME_WORDS and end + joined + 1 - i <= MAX_NAME_WORDS + 1:
                end += joined + 1
                continue
            break
        # a word that is no name alone is none after a lower-case article either ("inside an SUV")
        if end - j == 1 and self.at(j).lower in _not_names() and not (before_unit and self.unit_follows(end)) \
                and not (last_in_brackets and (close := self.at(end)) is not None and close.text == ")") \
                and not (last_after_comma and ((close := self.at(end)) is None or close.text in (".", ";", ","))):
            return None
        return i, end

    def unit_follows(self, i: int) -> bool:
        """Token i is a lower-case settlement unit word right after a name ("camp", "village")."""
        tok = self.at(i)
        return tok is not None and tok.text.islower() and self.adjacent(i) and unit_hints().get(tok.lower) == "settlement"

    def alternative_after(self, end: int) -> tuple[int, Optional[str]]:
        """Past "[Sambonay]", another spelling in square brackets right after a name: new end, and
        the spelling."""
        if (tok := self.at(end)) is None or tok.text != "[":
            return end, None
        found = self.name(end + 1)
        if found is None or (close := self.at(found[1])) is None or close.text != "]":
            return end, None
        return found[1] + 1, self.text[self.tokens[found[0]].start:self.tokens[found[1] - 1].end]

    def units_after(self, end: int) -> tuple[int, Optional[str]]:
        """Unit words right after a name ("village", "LGA", "countryside"): new end and hint."""
        hint = None
        hints = unit_hints()
        while (tok := self.at(end)) is not None and self.adjacent(end):
            if tok.lower in hints:
                hint = hint or hints[tok.lower]
                end += 1
            elif tok.text in words("unit_modifier") and (unit := self.at(end + 1)) is not None \
                    and unit.lower in hints and self.adjacent(end + 1):
                end += 1  # "Al Alam military camp": the unit word follows
            else:
                break
        return end, hint


def _trim_units(reader: _Reader, start: int, end: int) -> tuple[int, Optional[str]]:
    """A capitalised unit word at the end of a name is a unit, not part of it ("Bungudu LGA",
    "Wardak Province"), unless nothing would be left."""
    hints = unit_hints()
    hint = None
    while end - start > 1 and reader.tokens[end - 1].lower in hints:
        hint = hints[reader.tokens[end - 1].lower]
        end -= 1
    return end, hint


def _written_in(reader: _Reader, i: int, end: int) -> bool:
    """Name tokens [i, end) follow a lower-case word and are followed by "in" and another name, or
    by "in the [southern] countryside of" and another name ("shelled Bara in the southern
    countryside of Idleb")."""
    before, word, after = reader.at(i - 1), reader.at(end), reader.at(end + 1)
    if not (before is not None and before.text.isalpha() and before.text.islower() and
            word is not None and word.text == "in" and after is not None):
        return False
    if _capitalised(after) or _article_joined(after) or after.lower in words("article"):
        return True
    j = end + 1
    while (tok := reader.at(j)) is not None and tok.text in modifiers() and j < end + 4:
        j += 1
    noun, of, name = reader.at(j), reader.at(j + 1), reader.at(j + 2)
    return noun is not None and noun.lower in words("of_noun") and of is not None and of.lower == "of" and \
        name is not None and (_capitalised(name) or _article_joined(name))


_ROUTE_JOIN = re.compile(r"\s?-\s?")


def _route_ends(text: str, start: int, end: int) -> Optional[list[tuple[int, int]]]:
    """The two names a road's name joins with a hyphen ("Kandahar-Herat", "Qabb Elias- Dahr el
    Baydar"), as offsets, when both are capitalised; None for one name ("Beit-Lahia")."""
    joins = list(_ROUTE_JOIN.finditer(text, start, end))
    if len(joins) != 1:
        return None
    join = joins[0]
    left, right = (start, join.start()), (join.end(), end)
    if not text[left[0]:left[1]][:1].isupper() or not text[right[0]:right[1]][:1].isupper():
        return None
    return [left, right]


def _paren_pair(reader: _Reader, i: int) -> bool:
    """Token i opens "(Name, Name)": two names and nothing else in the brackets."""
    first = reader.name(i + 1)
    if first is None or reader.at(first[1]) is None or reader.at(first[1]).text != ",":
        return False
    second = reader.name(first[1] + 1)
    return second is not None and reader.at(second[1]) is not None and reader.at(second[1]).text == ")"


def find_slots(text: str) -> list[Slot]:
    """The place phrases of a text, as slots linked to their containers (see the module docstring)."""
    reader = _Reader(text)
    tokens = reader.tokens
    slots: list[Slot] = []
    taken: set[int] = set()  # token indices already read as part of a phrase

    def item(i: int, near: bool = False, last_in_brackets: bool = False,
             last_after_comma: bool = False) -> Optional[tuple[int, int]]:
        """One link: [modifiers] [unit "of"] NAME [units]. Returns (slot index, next token)."""
        mods = modifiers()
        while (tok := reader.at(i)) is not None and tok.text in mods and reader.at(i + 1) is not None:
            i += 1
        tok, nxt = reader.at(i), reader.at(i + 1)
        if tok is not None and nxt is not None and tok.lower in words("of_noun") and nxt.lower == "of":
            near = near or tok.lower in words("near_noun")
            i += 2
            while (tok := reader.at(i)) is not None and tok.text in mods:
                i += 1
        named_as = None  # "in the village San Juan de Micay": the unit word before the name ("the" is a modifier)
        if tok is not None and tok.text.islower() and unit_hints().get(tok.lower) == "settlement" and \
                i > 0 and reader.tokens[i - 1].lower == "the" and reader.name(i + 1) is not None:
            named_as = unit_hints()[tok.lower]
            i += 1
        found = reader.name(i, before_unit=True, last_in_brackets=last_in_brackets, last_after_comma=last_after_comma)
        if found is None or found[0] in taken:
            return None
        start, end = found
        # "in Tripoli's Dam wa Farez": the part named after the possessive lies in the possessor
        owner = next((k for k in range(start, end - 1) if _POSSESSIVE_END.search(tokens[k].text)), None)
        if owner is not None:
            possessor = tokens[owner]
            cut = _POSSESSIVE_END.search(possessor.text).start()
            slots.append(Slot(tokens[start].start, possessor.start + cut,
                              text[tokens[start].start:possessor.start + cut]))
            taken.update(range(start, owner + 1))
            found = reader.name(owner + 1, before_unit=True, last_in_brackets=last_in_brackets)
            if found is None:
                return len(slots) - 1, owner + 1
            start, end = found
            owner = len(slots) - 1
        needs_unit = end - start == 1 and tokens[start].lower in _not_names() and reader.unit_follows(end)
        closing_word = end - start == 1 and tokens[start].lower in _not_names() and not needs_unit
        end, capital_hint = _trim_units(reader, start, end)
        after, hint = reader.units_after(end)
        unit_end = tokens[after - 1].end if after > end else None
        hint = hint or capital_hint or named_as
        after, alternative = reader.alternative_after(after)
        if end - start > 1 and unit_hints().get(tokens[start].lower) == "area":
            hint = "area"  # "Colonia Vallejo", "Barangay Basak": a part of a town, named as such
        near = near or hint == "feature" and tokens[after - 1].lower in ("countryside", "outskirts", "area", "areas")
        first, last = tokens[start], tokens[end - 1]
        taken.update(range(start, after))
        ends = _route_ends(text, first.start, last.end) if tokens[after - 1].lower in words("route_noun") else None
        if ends:  # "the Kandahar-Herat highway": the road runs between two places, around each of them
            slots.extend(Slot(a, b, text[a:b], near=True) for a, b in ends)
            return len(slots) - 2, after
        slots.append(Slot(first.start, last.end, text[first.start:last.end], hint=hint, near=near,
                          alternative=alternative, unit_end=unit_end, needs_unit=needs_unit,
                          closing_word=closing_word))
        if owner is not None:
            slots[-1].container, slots[-1].link = owner, "of"
        return len(slots) - 1, after

    def chain(i: int, near: bool) -> None:
        """A name and its containers: ", Y", " (A, B)", " in Y", " of [the] Y"."""
        read = item(i, near)
        if read is None:
            return
        current, i = read
        while (tok := reader.at(i)) is not None:
            if tok.text == "(":
                j, inner, link = i + 1, current, "paren"
                while True:
                    got = item(j, last_in_brackets=link in ("comma", "paren"))
                    if got is None:
                        break
                    slots[inner].container, slots[inner].link = got[0], link
                    inner, j = got
                    nxt = reader.at(j)
                    if nxt is not None and (nxt.text == "," or nxt.lower in ("of", "in")):
                        # "(Dori, Seno)", and "(Pusqul area of Dara)": a chain inside the brackets
                        link = "comma" if nxt.text == "," else nxt.lower
                        j += 2 if nxt.lower == "of" and reader.at(j + 1) is not None and reader.at(j + 1).lower == "the" else 1
                        continue
                    break
                if inner == current or reader.at(j) is None or reader.at(j).text != ")":
                    return
                current, i = inner, j + 1
                continue
            if tok.text == "," or tok.lower in ("in", "of"):
                j = i + 1
                if tok.lower == "of" and reader.at(j) is not None and reader.at(j).lower == "the":
                    j += 1
                got = item(j, last_after_comma=tok.text == ",")
                if got is None:
                    return
                nxt = reader.at(got[1])
                if tok.text == "," and nxt is not None and nxt.lower in ("and", "or") and \
                        reader.name(got[1] + 1) is not None:
                    return  # "in Beirut, Tripoli and Saida": a list of places, not one inside the next
                slots[current].container = got[0]
                slots[current].link = "comma" if tok.text == "," else tok.lower
                current, i = got
                continue
            return

    for i, tok in enumerate(tokens):
        if i in taken:
            continue
        word = tok.lower
        nxt = reader.at(i + 1)
        if nxt is None:
            break
        if word in words("entry") or (word in words("of_noun") and nxt.lower == "of"):
            start = i if word in words("of_noun") else i + 1
            chain(start, near=word in ("near", "outside", "around", "nearby"))
        elif word == "the" and (found := reader.name(i + 1, before_unit=True)) is not None and reader.at(found[1]) is not None \
                and reader.at(found[1]).lower in unit_hints():
            chain(i + 1, near=False)  # "blocked the Saadnayel highway", "the Tafas front"
        elif tok.text == "(" and i > 0 and tokens[i - 1].text.islower() and _paren_pair(reader, i):
            # "over the Mori and Nawjid military camps (Hidaybu, Suqutra)": the house style's
            # containers after a common noun, read only where the gazetteer knows the names
            first = len(slots)
            chain(i + 1, near=False)
            for slot in slots[first:]:
                slot.bare = True
        elif word == "on":
            found = reader.name(i + 1)
            if found and reader.at(found[1]) is not None and reader.at(found[1]).lower in words("on_feature"):
                chain(i + 1, near=False)
        elif (_capitalised(tok) or _article_joined(tok)) and i not in taken:
            # the house style without a preposition: "attacked Karakai (Bungudu LGA, Zamfara)"
            found = reader.name(i)
            if found is None:
                continue
            end, unit = reader.units_after(_trim_units(reader, *found)[0])
            if reader.at(end) is not None and reader.at(end).text == "(" and i > 0:
                chain(i, near=False)
            elif unit in ("admin1", "admin2") and reader.tokens[end - 1].text.islower():
                chain(i, near=False)  # "municipalities of Esmeraldas province": a unit by its unit word
            elif unit == "settlement" and reader.tokens[end - 1].text.islower():
                # "attacked Macomia town": a town by its unit word, read only where the gazetteer
                # knows the name
                first = len(slots)
                chain(i, near=False)
                for slot in slots[first:]:
                    slot.bare = True
            elif _written_in(reader, i, end):
                # "shelled Menbij in Aleppo", "residents of Kafr Nabl in Idlib": a name written
                # inside a named place, with no preposition of its own
                first = len(slots)
                chain(i, near=False)
                if len(slots) > first:
                    slots[first].bare = True
    return slots
