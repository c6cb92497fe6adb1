"""Event dates: the date expression of the event's own clause, resolved against the story date.

Three layers, from words to a day:

1. ``find_dates(text)`` finds date expressions in a sentence with one regular grammar built from
   the vocabulary in ``data/date_rules.json`` (spaCy's small NER misses "last night" and cuts
   "Around 8 May 2020" to "May 2020", so it is only a second source of candidates).
2. ``resolve_date(expression, story_date)`` turns one expression into a ``DateResult``: the day,
   the ACLED ``time_precision`` (1 day, 2 week, 3 month), an optional ``end_date`` for ranges and
   a ``reason`` where the result is approximate or stated in the future. dateparser is the engine
   (RELATIVE_BASE = the end of the story day, PREFER_DATES_FROM = past, English); the project's
   own rules handle its traps:
   - a bare weekday equal to the story's weekday is the story day (dateparser: a week earlier),
     "this Tuesday" is the most recent Tuesday (dateparser: next week's);
   - "last week", "this month", "last year", "May", "2019" name calendar periods: the day is the
     middle of the period (Wednesday, the 15th, 1 July; ACLED's convention), and never a day
     after the story date (dateparser: the story's day-of-month or weekday shifted);
   - "earlier this week/month/year", "early/mid/late May", "over the weekend", "overnight",
     "Tuesday's", "around 9 May (as reported)" and ranges ("between Monday and Wednesday",
     "from 3 to 5 May") that dateparser cannot parse at all;
   - durations ("two days", "48 hours") that dateparser reads as "ago", and clock times
     ("at 10 pm") that it puts on the day before when the base is midnight;
   - a date after the story date is rejected unless stated as future ("tomorrow", "next week",
     a full date with its year): such events are plans or threats, flagged hypothetical elsewhere.
3. ``find_event_date(sentence, trigger, story_date)`` picks, among the sentence's expressions,
   the one in the event's own clause (walking the dependency tree from the trigger, never a
   date of another clause). Without one, a past-tense clause or an event noun continues the
   narrative: the day an earlier sentence named ("spoke last night ... Blinken called for a
   halt"); otherwise the story date. Both fallbacks say so in ``reason``. The ``dates`` stage applies it to every draft.

Results are cached per (expression, story date, settings): dateparser costs about a millisecond
a call, and news repeats the same few expressions.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from typing import Optional, Union

from dateparser.date import DateDataParser
from spacy.tokens import Doc, Span, Token

from eventcoder.pipeline import CodingContext, Sentence, stage

DAY, WEEK, MONTH = 1, 2, 3  # ACLED time_precision
FALLBACK_REASON = "no date in the event's clause; story date used"
NARRATIVE_REASON = "no date in the event's clause; the day an earlier sentence named, as the narrative goes on"
MAX_NARRATIVE_DAYS = 31
APPROXIMATE_REASON = "approximate date: week precision, as ACLED codes 'around' and 'as reported'"
FUTURE_REASON = "a date after the story date, stated as future: a planned or threatened event"
MAX_WEEK_RANGE_DAYS = 6  # a range up to a week long is precision 2; a longer one precision 3


@functools.lru_cache(maxsize=1)
def load_rules() -> dict:
    """The vocabulary and trap rules in ``eventcoder/data/date_rules.json``."""
    with resources.files("eventcoder").joinpath("data/date_rules.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class DateSettings:
    """How expressions are read. Frozen (hashable) so that results can be cached per settings."""

    languages: tuple[str, ...] = ("en",)
    prefer_dates_from: str = "past"  # dateparser's PREFER_DATES_FROM
    date_order: Optional[str] = None  # dateparser's DATE_ORDER for "05/09/2020" ("DMY"); None: its default (MDY for en)
    allow_explicit_future: bool = True  # keep "tomorrow", "next week", "12 June 2030" after the story date


DEFAULT_SETTINGS = DateSettings()


@dataclass(frozen=True)
class DateResult:
    """An event date: the day, its ACLED time precision, and the words it came from.

    ``text`` is empty when nothing in the text gave the date (the story date was used);
    ``start``/``end`` are the character offsets of ``text`` in the article when known."""

    date: str  # ISO day
    precision: int  # 1 day, 2 week, 3 month
    text: str
    reason: Optional[str] = None
    end_date: Optional[str] = None  # last day of a range
    start: Optional[int] = None
    end: Optional[int] = None

    @property
    def from_story_date(self) -> bool:
        return not self.text


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a text, with its character offsets there."""

    text: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------------
# The grammar: one regular expression for every form of date the coder knows.


def _alternation(words: list[str]) -> str:
    """Regex alternation, longest first so that "Sept" wins over "Sep" and "last night" over "last"."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class _Grammar:
    month: str
    weekday: str
    part_of_day: str
    day: str
    year: str
    single: str
    range_: str
    finder: re.Pattern
    place_like: re.Pattern


@functools.lru_cache(maxsize=1)
def _grammar() -> _Grammar:
    rules = load_rules()
    # Month names are matched case-sensitively: "may" and "march" are verbs.
    full = [m for m in rules["months"] if len(m) > 4 or m in ("May", "June", "July")]
    abbreviations = [m for m in rules["months"] if m not in full]
    month = rf"(?-i:(?:{_alternation(full)})\b|(?:{_alternation(abbreviations)})(?:\.|\b))"
    weekday = rf"(?:{_alternation(rules['weekdays'])})\b"
    part = rf"(?:{_alternation(rules['parts_of_day'])})\b"
    number = rf"(?:\d+|{_alternation(rules['number_words'])})"
    day = r"(?<![\d/.-])\d{1,2}(?:st|nd|rd|th)?\b"
    year = r"(?:1[89]|20)\d{2}\b"
    forms = [
        rf"{year}-\d{{1,2}}-\d{{1,2}}\b",  # 2020-05-09
        rf"\d{{1,2}}-{month}-(?:\d{{4}}|\d{{2}})\b",  # 9-May-20
        r"(?<![\d.])\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})\b(?!\.\d)",  # 05/09/2020
        rf"(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)\s+of\s+{month}(?:,?\s+{year})?",  # the 9th of May ("25 of March" is a place)
        rf"{day}\s+{month}(?:,?\s+{year})?",  # 9 May 2020
        rf"(?:early|mid|late|(?:the\s+)?(?:beginning|middle|end)\s+of)[-\s]+{month}(?:,?\s+{year})?",  # mid-May
        rf"{month}\s+{day}(?![:\d])(?:,?\s+{year})?",  # May 9, 2020
        rf"{month},?\s+{year}",  # May 2020
        rf"(?:in|during|since|until|last|this)\s+{month}",  # in May (a bare "May" is too often the verb)
        rf"(?:in|during)\s+{year}",  # in 2019
        rf"(?:(?:this|last|past)\s+)?{weekday}(?:['’]s)?(?:\s+{part})?",  # last Tuesday night
        rf"{number}\s+(?:days?|weeks?|months?|years?)\s+ago\b",  # two days ago
        r"(?:(?:earlier|early|late|later)\s+)?(?:this|last|past|previous)\s+(?:week|month|year)\b",
        r"(?:over\s+|during\s+)?(?:the|this|last|past)\s+weekend\b",
        rf"(?:yesterday|tomorrow)(?:\s+{part})?",
        rf"(?:{_alternation(rules['relative_phrases'])})\b",
        rf"next\s+(?:week|month|year|{weekday})\b",
    ]
    single = "(?:" + "|".join(forms) + ")"
    dash = r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*"
    ranges = [
        rf"between\s+{single}\s+and\s+{single}",
        rf"from\s+(?:{single}|{day}){dash}{single}",
        rf"{day}{dash}{day}\s+{month}(?:,?\s+{year})?",  # 3-5 May
        rf"{month}\s+{day}{dash}{day}(?![:\d])(?:,?\s+{year})?",  # May 3-5
        rf"{day}\s+{month}{dash}{day}\s+{month}(?:,?\s+{year})?",  # 24 April-8 May
    ]
    range_ = "(?:" + "|".join(ranges) + ")"
    prefixes = rules["approximate_prefixes"] + rules["plain_prefixes"] + ["late", "early", "earlier"]
    prefix = rf"(?:(?:{_alternation(prefixes)})\s+)*"
    notes = rules["approximate_notes"] + rules["week_notes"] + rules["month_notes"]
    # a parenthetical note after a date, as ACLED writes: "(as reported)", "(from 6 - 7 May)"
    note = rf"(?:\s*\((?:\s*(?:{_alternation(notes)})[^()]{{0,40}}|[^()]{{0,60}}?(?:{month}|\bfrom\b|\bbetween\b)[^()]{{0,60}})\))?"
    finder = re.compile(rf"\b{prefix}(?:{range_}|{single}){note}", re.IGNORECASE)
    place_like = re.compile(rf"in\s+{month}\s+{day}(?![:\d])(?!,?\s+{year})", re.IGNORECASE)
    return _Grammar(month, weekday, part, day, year, single, range_, finder, place_like)


def find_dates(text: str) -> list[DateMention]:
    """Every date expression the grammar finds in ``text``, left to right, not overlapping.
    "in July 7" is left out: English says "on" a day, so it is a place ("the July 7 district")."""
    grammar = _grammar()
    return [
        DateMention(m.group(0), m.start(), m.end())
        for m in grammar.finder.finditer(text)
        if not grammar.place_like.match(m.group(0))
    ]


# ---------------------------------------------------------------------------------------------
# Resolution of one expression.


@dataclass(frozen=True)
class _Found:
    """A resolved day; ``period`` is the calendar period it stands for ("last week": Mon..Sun)."""

    day: dt.date
    precision: int
    period: Optional[tuple[dt.date, dt.date]] = None
    end: Optional[dt.date] = None  # last day of a range
    reason: Optional[str] = None


def resolve_date(
    expression: str, story_date: Union[dt.date, str], settings: Optional[DateSettings] = None
) -> Optional[DateResult]:
    """The day ``expression`` names, read on ``story_date``; None when it names no day (a
    duration, an anaphor like "that day", or a date after the story date not stated as future)."""
    story = _as_story_date(story_date)
    return _resolve_cached(" ".join(expression.split()), story, settings or DEFAULT_SETTINGS)


@functools.lru_cache(maxsize=100_000)
def _resolve_cached(expression: str, story: dt.date, settings: DateSettings) -> Optional[DateResult]:
    text = expression.replace("’", "'").strip(" .,;:")
    note_match = re.search(r"\s*\(([^()]*)\)\s*$", text)
    note = note_match.group(1).strip().lower() if note_match else ""
    core = text[: note_match.start()] if note_match else text
    approximate, core = _strip_approximate(core)
    found = _resolve_core(core, story, settings)
    if found is None:
        return None
    precision, reason = found.precision, found.reason
    note_precision = _note_precision(note)
    if approximate or note_precision == WEEK and note.startswith(tuple(load_rules()["approximate_notes"])):
        precision, reason = max(precision, WEEK), reason or APPROXIMATE_REASON
    elif note_precision:
        precision = max(precision, note_precision)
    last = found.end or found.day
    if last > story:
        if not (settings.allow_explicit_future and _states_future(core)):
            return None
        reason = reason or FUTURE_REASON
    return DateResult(
        date=found.day.isoformat(),
        precision=precision,
        text=expression,
        reason=reason,
        end_date=found.end.isoformat() if found.end else None,
    )


def _strip_approximate(core: str) -> tuple[bool, str]:
    """Remove leading "around", "as reported on", ... (repeatedly); say whether any was there."""
    rules = load_rules()
    approximate = re.compile(rf"^(?:{_alternation(rules['approximate_prefixes'])})\s+", re.IGNORECASE)
    found = False
    while True:
        match = approximate.match(core)
        if not match:
            return found, core
        found, core = True, core[match.end():]


def _note_precision(note: str) -> Optional[int]:
    """Precision implied by an ACLED parenthetical note ("week of", "end of month", a range)."""
    if not note:
        return None
    rules = load_rules()
    if note.startswith(tuple(rules["month_notes"])):
        return MONTH
    if note.startswith(tuple(rules["approximate_notes"] + rules["week_notes"])) or re.search(r"\d", note):
        return WEEK
    return None


def _resolve_core(core: str, story: dt.date, settings: DateSettings) -> Optional[_Found]:
    """Resolve an expression without approximation words or notes: prefixes and modifiers,
    then a range, then a single day or period, placed by the modifier."""
    core, month_part, earlier = _strip_modifiers(core)
    core = re.sub(r"'s$", "", core, flags=re.IGNORECASE)  # "Tuesday's attack"
    if not _looks_like_date(core):
        return None
    found = _resolve_range(core, story, settings, strict=True)
    if found is None:
        found = _resolve_single(core, story, settings)
    if found is None:
        found = _resolve_range(core, story, settings, strict=False)
    if found is None or found.period is None:
        return found
    return _place_in_period(found, story, month_part, earlier)


def _strip_modifiers(core: str) -> tuple[str, Optional[int], bool]:
    """Remove plain prefixes ("on", "the night of") and modifiers ("mid-", "earlier", "late");
    return the rest, the day of the month a month-part modifier names, and whether "earlier"."""
    rules = load_rules()
    plain = rules["plain_prefixes"] + rules["ignored_modifiers"]
    parts = rules["month_part_days"]
    pattern = re.compile(
        rf"^(?:(?P<plain>{_alternation(plain)})|(?P<part>{_alternation(list(parts))})|"
        rf"(?P<earlier>{_alternation(rules['earlier_modifiers'])}))(?:\s+|-(?=\w))",
        re.IGNORECASE,
    )
    month_part, earlier = None, False
    while True:
        match = pattern.match(core)
        if not match:
            return core.strip(), month_part, earlier
        if match["part"]:
            month_part = parts[" ".join(match["part"].lower().split())]
        earlier = earlier or bool(match["earlier"])
        core = core[match.end():]


def _looks_like_date(core: str) -> bool:
    """dateparser reads almost anything as a date ("the day", "1990s", "20"): demand a digit group
    that can be a date, or a month, weekday or period word; refuse durations."""
    rules = load_rules()
    lowered = core.lower()
    if not lowered:
        return False
    units = _alternation(rules["duration_units"])
    if re.fullmatch(rf"(?:the\s+)?(?:(?:past|last|next|previous|first|coming)\s+)?(?:\d+|{_alternation(rules['number_words'])})\s+(?:{units})", lowered):
        return False  # "two days", "the past 48 hours": a duration
    if re.search(r"\d0s\b", lowered) or re.fullmatch(r"\d{1,3}(?:st|nd|rd|th)?", lowered):
        return False  # "the 1990s", a bare day number
    grammar = _grammar()
    words = rf"\b(?:{_alternation(rules['period_words'])})\b"
    return bool(
        re.search(r"\d", lowered)
        or re.search(grammar.month, core, re.IGNORECASE)
        or re.search(grammar.weekday, core, re.IGNORECASE)
        or re.search(words, lowered)
    )


_WEEKDAY_NUMBERS = {name.lower(): i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}


def _resolve_single(core: str, story: dt.date, settings: DateSettings) -> Optional[_Found]:
    return (
        _resolve_weekday(core, story)
        or _resolve_weekend(core, story)
        or _resolve_fixed_offset(core, story)
        or _resolve_with_dateparser(core, story, settings)
    )


def _resolve_weekday(core: str, story: dt.date) -> Optional[_Found]:
    """Trap: dateparser puts a bare weekday equal to the story's weekday a week back, and
    "this Tuesday" in the next week. A bare or "this" weekday is the most recent such day on or
    before the story date; "last Tuesday" is the most recent one before it."""
    grammar = _grammar()
    match = re.fullmatch(rf"(?:(this|last|past)\s+)?({grammar.weekday})(?:\s+{grammar.part_of_day})?", core, re.IGNORECASE)
    if not match:
        return None
    back = (story.weekday() - _WEEKDAY_NUMBERS[match.group(2).lower()]) % 7
    if back == 0 and match.group(1) and match.group(1).lower() in ("last", "past"):
        back = 7
    return _Found(story - dt.timedelta(days=back), DAY)


def _resolve_weekend(core: str, story: dt.date) -> Optional[_Found]:
    """dateparser does not know "the weekend": the most recent Saturday and Sunday (the one
    before, for "last weekend" said on a weekend day), first day with week precision."""
    match = re.fullmatch(r"(?:over\s+|during\s+)?(the|this|last|past)\s+weekend", core, re.IGNORECASE)
    if not match:
        return None
    saturday = story - dt.timedelta(days=(story.weekday() - 5) % 7)
    if match.group(1).lower() in ("last", "past") and story.weekday() >= 5:
        saturday -= dt.timedelta(days=7)
    return _Found(saturday, WEEK, end=min(saturday + dt.timedelta(days=1), story))


def _resolve_fixed_offset(core: str, story: dt.date) -> Optional[_Found]:
    offsets = load_rules()["fixed_offsets"]
    offset = offsets.get(core.lower())
    return None if offset is None else _Found(story + dt.timedelta(days=offset), DAY)


@functools.lru_cache(maxsize=512)
def _parser(story: dt.date, settings: DateSettings) -> DateDataParser:
    """One dateparser parser per story date and settings, built once (building costs as much as
    a parse). The base is the end of the story day, so "at 10 pm" stays on the story day."""
    config = {
        "RELATIVE_BASE": dt.datetime.combine(story, dt.time(23, 59, 59)),
        "PREFER_DATES_FROM": settings.prefer_dates_from,
        "RETURN_TIME_AS_PERIOD": True,
        # no epoch timestamps or glued digits: a casualty figure is not a date
        "PARSERS": ["relative-time", "custom-formats", "absolute-time"],
    }
    if settings.date_order:
        config["DATE_ORDER"] = settings.date_order
    return DateDataParser(languages=list(settings.languages), settings=config)


def _resolve_with_dateparser(core: str, story: dt.date, settings: DateSettings) -> Optional[_Found]:
    data = _parser(story, settings).get_date_data(core)
    if data is None or data.date_obj is None:
        return None
    day = data.date_obj.date()
    kind = data.period or "day"
    if kind in ("day", "time", "part_of_day"):
        return _Found(day, DAY)
    precision = WEEK if kind == "week" else MONTH
    if re.search(r"\bago\b|\bin\s+\w+\s+(?:weeks?|months?|years?)\b", core, re.IGNORECASE):
        return _Found(day, precision)  # "a week ago": an offset, not a calendar period
    return _Found(day, precision, period=_calendar_period(day, kind))


def _calendar_period(day: dt.date, kind: str) -> tuple[dt.date, dt.date]:
    if kind == "week":
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    if kind == "month":
        first = day.replace(day=1)
        return first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)


def _place_in_period(found: _Found, story: dt.date, month_part: Optional[int], earlier: bool) -> _Found:
    """Trap: dateparser keeps the story's day-of-month or weekday inside a named period ("last
    month" on 20 September is 20 August). The event day is the period's middle (Wednesday, the
    15th, 1 July), or the day a modifier names ("early May": the 5th); never after the story
    date: in the story's own period, the middle of its part up to the story day ("earlier":
    up to the day before)."""
    first, last = found.period
    if month_part and found.precision == MONTH and last - first < dt.timedelta(days=31):
        middle = first.replace(day=min(month_part, last.day))
    elif last - first <= dt.timedelta(days=6):
        middle = first + dt.timedelta(days=2)  # Wednesday: ACLED's "midweek"
    elif last - first <= dt.timedelta(days=31):
        middle = first.replace(day=15)
    else:
        middle = dt.date(first.year, 7, 1)
    if first <= story <= last:
        until = story - dt.timedelta(days=1) if earlier and story > first else story
        if earlier or middle > until:
            middle = first + dt.timedelta(days=(until - first).days // 2)
    return replace(found, day=middle)


def _resolve_range(core: str, story: dt.date, settings: DateSettings, strict: bool) -> Optional[_Found]:
    """"between Monday and Wednesday", "from 3 to 5 May", "24 April-8 May": the first day,
    precision 2 (3 for more than a week), and the last day as ``end``. The last day is read
    first; the first day is then read as on or before it."""
    pieces = _split_range(core, strict)
    if pieces is None:
        return None
    first_text, last_text = pieces
    last = _resolve_core(last_text, story, settings)
    if last is None:
        return None
    day_only = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", first_text.strip())
    if day_only:
        number = int(day_only.group(1))
        month_start = last.day.replace(day=1)
        if number > last.day.day:  # "from 28 to 2 May": 28 April
            month_start = (month_start - dt.timedelta(days=1)).replace(day=1)
        try:
            first = _Found(month_start.replace(day=number), DAY)
        except ValueError:
            return None
    else:
        first = _resolve_core(first_text, last.end or last.day, settings)
    if first is None or first.day > last.day:
        return None
    span = (last.day - first.day).days
    if span == 0:
        return _Found(first.day, max(first.precision, last.precision))
    precision = WEEK if span <= MAX_WEEK_RANGE_DAYS else MONTH
    return _Found(first.day, max(precision, first.precision, last.precision), end=last.end or last.day)


def _split_range(core: str, strict: bool) -> Optional[tuple[str, str]]:
    grammar = _grammar()
    dash = r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b|\bthrough\b)\s*"
    flags = re.IGNORECASE
    match = re.fullmatch(r"between\s+(.+?)\s+and\s+(.+)", core, flags) or re.fullmatch(rf"from\s+(.+?){dash}(.+)", core, flags)
    if match:
        return match.group(1), match.group(2)
    match = re.fullmatch(rf"(\d{{1,2}}(?:st|nd|rd|th)?){dash}(\d{{1,2}}(?:st|nd|rd|th)?\s+{grammar.month}.*)", core, flags)
    if match:  # "3-5 May"
        return match.group(1), match.group(2)
    match = re.fullmatch(rf"({grammar.month})\s+(\d{{1,2}}(?:st|nd|rd|th)?){dash}(\d{{1,2}}(?:st|nd|rd|th)?)(,?\s+{grammar.year})?", core, flags)
    if match:  # "May 3-5, 2020"
        return f"{match.group(1)} {match.group(2)}", f"{match.group(1)} {match.group(3)}{match.group(4) or ''}"
    if strict:
        return None
    # loose: two dates around "to", a spaced dash or a dash between a word and a digit, tried
    # only after the whole failed as one date ("9-May-20" is one date)
    match = re.fullmatch(r"(.+?)(?:\s+(?:to|until|till|through)\s+|\s*[–—]\s*|\s+-\s*|\s*-\s+|(?<=[A-Za-z])-(?=\d))(.+)", core, flags)
    return (match.group(1), match.group(2)) if match else None


def _states_future(core: str) -> bool:
    """A date after the story date is kept only when the words say it is in the future, or
    give the year in full (then it is not a misreading)."""
    markers = load_rules()["future_markers"]
    return bool(
        re.search(rf"\b(?:{_alternation(markers)})\b", core, re.IGNORECASE)
        or re.search(r"\bin\s+\w+\s+(?:days?|weeks?|months?|years?)\b", core, re.IGNORECASE)
        or re.search(rf"\b{_grammar().year}", core)
    )


# ---------------------------------------------------------------------------------------------
# The event's own date: which expression of the sentence belongs to the trigger's clause.

# Dependency labels that open a clause of their own: a date below one of them belongs to that
# clause, not to the verb above it ("Police said on Wednesday that gunmen killed ... on Sunday").
CLAUSE_DEPS = frozenset({"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj", "csubjpass", "xcomp"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass", "expl"})
SIMULTANEITY_MARKS = frozenset({"while", "as", "when", "whilst"})


def _opens_clause(token: Token) -> bool:
    if token.dep_ == "ROOT" or token.dep_ in CLAUSE_DEPS:
        return True
    return token.dep_ == "conj" and token.pos_ in ("VERB", "AUX")  # "... and fighting resumed"


def _clause_head(token: Token) -> Token:
    while not _opens_clause(token) and token.head.i != token.i:
        token = token.head
    return token


def _clause_tokens(head: Token, open_deps: frozenset[str] = frozenset()) -> set[int]:
    """Indices of the tokens of ``head``'s clause: its subtree minus embedded clauses (except
    those whose label is in ``open_deps``, for a noun trigger's own modifiers)."""
    seen, stack = set(), [head]
    while stack:
        token = stack.pop()
        seen.add(token.i)
        for child in token.children:
            if _opens_clause(child) and not (token.i == head.i and child.dep_ in open_deps):
                continue
            stack.append(child)
    return seen


def _shares_time_with_parent(head: Token) -> bool:
    """A clause that takes its time from the clause above: a coordinated verb without a subject
    of its own ("shelled the village on Tuesday and killed two"), a controlled infinitive
    ("began to protest"), a participle adjunct (", killing two"), a "while" clause, a reduced relative ("shells
    fired by X caused damage"; also the small model's misparse of "On 9 May, interns protested"
    as a noun root with "protested" its modifier)."""
    if head.dep_ == "ROOT":
        return False
    if _simultaneous(head):
        return True
    if any(c.dep_ in SUBJECT_DEPS for c in head.children):
        return False
    if head.dep_ in ("conj", "xcomp"):
        return True
    if head.dep_ == "acl":  # "shells fired by X on Y caused damage", "men riding a motorcycle shot ..."
        return True
    return head.dep_ == "advcl" and head.tag_ in ("VBG", "VBN") and not any(c.dep_ == "mark" for c in head.children)


def _simultaneous(head: Token) -> bool:
    """A "while"/"as"/"when" clause happens at the time of the clause it hangs on, subject or not."""
    return head.dep_ == "advcl" and any(c.dep_ in ("mark", "advmod") and c.lower_ in SIMULTANEITY_MARKS for c in head.children)


def _clause_tiers(trigger: Token) -> list[set[int]]:
    """Token sets in order of preference: the trigger's own phrase (a noun trigger's modifiers,
    "protests held on Tuesday"), its clause, the clauses it takes its time from, and the
    sentence's opening date ("On 9 May 2020, ...") unless the clause is reported speech or a
    subordinate clause ("said that ...", "after ...")."""
    head = _clause_head(trigger)
    tiers = [_clause_tokens(trigger, frozenset({"acl", "relcl"})) if head.i != trigger.i else set()]
    tiers.append(_clause_tokens(head))
    inherited: set[int] = set()
    while _shares_time_with_parent(head):
        head = _clause_head(head.head)
        inherited |= _clause_tokens(head)
    tiers.append(inherited)
    tiers.append(_frame_tokens(trigger))
    return tiers


def _frame_tokens(trigger: Token) -> set[int]:
    """The tokens before the sentence's first verb, when the trigger's clause is framed by them:
    a fronted date scopes over the main clause and what hangs on it, whatever the parser
    attached it to, and over relative clauses ("On 28 April, police dispersed 200 people, who were
    burning tyres"), but not over reported speech or subordinate clauses. (A
    "complement" of a noun or adjective root is the small model misparsing a main clause.)"""
    head = _clause_head(trigger)
    while head.dep_ != "ROOT":
        reported = head.dep_ in ("ccomp", "csubj", "csubjpass", "parataxis") and head.head.pos_ in ("VERB", "AUX")
        own = any(c.dep_ in ("mark", "nsubj", "nsubjpass") and c.tag_ in ("WDT", "WP", "IN") for c in head.children)
        if reported or (own and not _simultaneous(head) and head.dep_ != "relcl"):
            return set()  # "said that ...", "after police arrested ..."; "who ..." keeps the frame
        head = _clause_head(head.head)
    doc = trigger.doc
    first_verb = next((t.i for t in doc if t.pos_ in ("VERB", "AUX")), len(doc))
    return set(range(first_verb))


def _attachment(span: Span) -> Token:
    """The token through which a date expression hangs in the tree. When the parser made a
    clause of the expression's own words ("Around 5 May 2020 (as reported)": "reported" a
    ccomp), the expression hangs where that clause does."""
    root = span.root
    if _opens_clause(root) and root.dep_ != "ROOT":
        return root.head
    return root


def _depth(anchor: Token, trigger: Token) -> int:
    """Nouns between a date expression and the trigger or its clause head: 0 for "on Tuesday"
    under the verb, 1 for "areas of the July 7 district" or "the arrest on Monday"."""
    targets = {trigger.i, _clause_head(trigger).i}
    steps, token = 0, anchor
    hops = 0
    # bounded: the parser can leave a cycle in a malformed sentence; never loop forever on one
    while token.i not in targets and token.head.i != token.i and hops < len(token.doc):
        hops += 1
        token = token.head
        steps += token.i not in targets and token.pos_ in ("NOUN", "PROPN", "PRON", "NUM")
    return steps


def _mentions(doc: Doc) -> list[tuple[DateMention, int]]:
    """The grammar's expressions (source 0), plus spaCy DATE/TIME entities that none of them
    overlaps (source 1: "the 25 of March sector" is an entity, rarely a day)."""
    found = [(m, 0) for m in find_dates(doc.text)]
    for ent in doc.ents:
        if ent.label_ in ("DATE", "TIME") and not any(m.start < ent.end_char and ent.start_char < m.end for m, _ in found):
            found.append((DateMention(ent.text, ent.start_char, ent.end_char), 1))
    return sorted(found, key=lambda pair: pair[0].start)


def _is_past(head: Token) -> bool:
    """A clause in the simple past or past perfect ("fired", "had been declared", "were
    invited"): its time continues the narrative. Present and present perfect refer to the
    story date."""
    if head.tag_ == "VBD":
        return True
    return head.tag_ == "VBN" and any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VBD" for c in head.children)


def _continues_narrative(trigger: Token) -> bool:
    """Whether an event without a date of its own happened at the narrative's time: a verb in
    the past ("Blinken called for a halt"), or an event noun ("the attack", "his arrest"),
    which names an event the story tells whatever the tense of the sentence about it."""
    return trigger.pos_ in ("NOUN", "PROPN") or _past_tense(trigger)


def _past_tense(trigger: Token) -> bool:
    head = _clause_head(trigger)
    if _is_past(head):
        return True
    while _shares_time_with_parent(head):  # "began to protest": the tense of "began"
        head = _clause_head(head.head)
        if _is_past(head):
            return True
    return False


def narrative_dates(
    sentences: list[Sentence], story_date: Union[dt.date, str], settings: Optional[DateSettings] = None
) -> dict[int, Optional[DateResult]]:
    """For each sentence index, the last day named in an earlier sentence (the narrative's
    date: "Aliyev spoke to Blinken last night. ... Blinken called for a halt"), or None. Only
    days (exact, or approximate as in "around 9 May") within ``MAX_NARRATIVE_DAYS`` before the
    story date carry over: an older date is background ("the war of 1991"), not the news."""
    story = _as_story_date(story_date)
    carried: dict[int, Optional[DateResult]] = {}
    current: Optional[DateResult] = None
    for sentence in sentences:
        carried[sentence.index] = current
        mentions = [m for m, _ in _mentions(sentence.doc)] if sentence.doc is not None else find_dates(sentence.text)
        for mention in mentions:
            result = resolve_date(mention.text, story, settings)
            a_day = result is not None and (result.precision == DAY or result.reason == APPROXIMATE_REASON)
            if not a_day or result.end_date:
                continue  # a week, a month or a range is no narrative day
            if (story - dt.date.fromisoformat(result.date)).days <= MAX_NARRATIVE_DAYS:
                current = replace(result, text=mention.text, start=sentence.start + mention.start, end=sentence.start + mention.end)
    return carried


def find_event_date(
    sentence: Sentence,
    trigger: Token,
    story_date: Union[dt.date, str],
    settings: Optional[DateSettings] = None,
    narrative: Optional[DateResult] = None,
) -> DateResult:
    """The date of the event whose trigger is ``trigger``: the date expression of its own clause
    (nearer the verb, then finer, then nearer the trigger wins within a clause); else, for a
    past-tense clause or an event noun, ``narrative`` (the day an earlier sentence named, from
    ``narrative_dates``); else the story date. Each fallback says so in ``reason``."""
    story = _as_story_date(story_date)
    doc = sentence.doc
    best: Optional[tuple] = None
    if doc is not None:
        tiers = _clause_tiers(trigger)
        for mention, source in _mentions(doc):
            span: Optional[Span] = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            anchor = _attachment(span)
            tier = next((n for n, tokens in enumerate(tiers) if anchor.i in tokens), None)
            if tier is None:
                continue
            result = resolve_date(mention.text, story, settings)
            if result is None:
                continue
            # a date attached straight to the verb ("On 5 May, X shelled Y") beats one inside a
            # noun phrase ("areas of the July 7 district", "the arrest on Monday of ...")
            key = (tier, _depth(anchor, trigger), source, result.precision, abs(anchor.i - trigger.i), mention.start)
            if best is None or key < best[0]:
                best = (key, result, mention)
    else:  # an unparsed sentence has no tree to walk: its first date that resolves
        for mention in find_dates(sentence.text):
            result = resolve_date(mention.text, story, settings)
            if result is not None:
                best = ((0,), result, mention)
                break
    if best is not None:
        _, result, mention = best
        return replace(result, text=mention.text, start=sentence.start + mention.start, end=sentence.start + mention.end)
    if narrative is not None and doc is not None and _continues_narrative(trigger):
        return replace(narrative, reason=f"{NARRATIVE_REASON} ({narrative.text!r})")
    return DateResult(date=story.isoformat(), precision=DAY, text="", reason=FALLBACK_REASON)


def _as_story_date(story_date: Union[dt.date, str]) -> dt.date:
    if isinstance(story_date, dt.datetime):
        return story_date.date()
    return story_date if isinstance(story_date, dt.date) else dt.date.fromisoformat(str(story_date)[:10])


@stage("dates")
def date_events(ctx: CodingContext) -> None:
    """Fill ``date``, ``date_precision``, ``date_text`` and ``date_reason`` of every draft."""
    carried = narrative_dates(ctx.sentences, ctx.article.date) if ctx.drafts else {}
    for draft in ctx.drafts:
        narrative = carried.get(draft.sentence.index)
        result = find_event_date(draft.sentence, draft.trigger, ctx.article.date, narrative=narrative)
        record = draft.record
        record.date = result.date
        record.date_precision = result.precision
        record.date_text = result.text or None
        record.date_reason = result.reason
        if result.from_story_date or (result.reason or "").startswith(NARRATIVE_REASON):
            record.reasons.append(f"dates: {result.reason}")
