"""Who says so: the source of each event's claim, direct quotes with their speakers, and
contested figures.

A *claim* is an attribution in a sentence: "according to X", "X said/claimed/reported …",
"…, says X", with "X, citing Y" kept as X citing Y (Y the original source). A claim covers the
events of its sentence outside its own source phrase; claims nested in claims make a chain
("the press service says Aliyev pointed out that …" → the press service, citing Aliyev).
Attribution also carries over: "In his words, …" takes the previous speaker of the paragraph, a
quote's events take the quote's speaker, and "…,” says X" after a quote opened in an earlier
sentence covers the whole quote.

A source is resolved like an actor (name, country, sector), news agencies from
``data/attribution_agencies.tsv``; it is ``party_to_conflict`` when it is one of the event's
actors or recipients, or of their country and not a neutral reporter (media, NGO, IGO).

Contested figures: when the figures an event got (from the counts stage) come from two
differently named sources and disagree about the same victims, each source's version is kept
as an ``Account`` and the event takes the lowest (ACLED).
"""
from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from spacy.tokens import Span, Token

from eventcoder.counts import CountMention, combine, paragraph_numbers
from eventcoder.pipeline import CodingContext, Draft, Sentence, stage
from eventcoder.quotes import QuoteSpan, find_quotes, quote_at
from eventcoder.record import Account, ActorRef, Event, Quote, Source

DATA = Path(__file__).resolve().parent / "data"
NEUTRAL_SECTORS = {"JRN", "NGO", "IGO", "UNO", "HLH"}


# ---------------------------------------------------------------- data files


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@functools.lru_cache(maxsize=1)
def speech_verbs() -> set[str]:
    return {r["lemma"] for r in _rows("attribution_verbs.tsv")}


@functools.lru_cache(maxsize=1)
def agencies() -> list[tuple[re.Pattern[str], str, str]]:
    rows = sorted(_rows("attribution_agencies.tsv"), key=lambda r: -len(r["alias"]))
    return [(re.compile(rf"(?<![\w-]){re.escape(r['alias'])}(?![\w-])"), r["name"], r["country"]) for r in rows]


@functools.lru_cache(maxsize=1)
def words() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for row in _rows("attribution_words.tsv"):
        table.setdefault(row["category"], {})[row["term"]] = row.get("sector") or ""
    return table


# ---------------------------------------------------------------- claims


@dataclass
class Claim:
    """One attribution found in a sentence."""

    source: Source
    sentence: Sentence
    cue: Token  # the speech verb or "according"
    source_tokens: set[int]  # the source phrase, which the claim does not cover
    scope: set[int]  # token indices of the sentence the claim covers
    depth: int  # how deep the cue sits in the parse: outer claims first
    extra_sentences: set[int] = field(default_factory=set)  # other sentences it covers (by index)
    person: bool = False

    def covers(self, sentence: Sentence, token: Token) -> bool:
        if sentence.index == self.sentence.index:
            return token.i in self.scope
        return sentence.index in self.extra_sentences


def _phrase(head: Token) -> Span:
    from eventcoder.events.roles import noun_phrase

    return noun_phrase(head)


def _depth(token: Token) -> int:
    return sum(1 for _ in token.ancestors)


def _agency(text: str) -> Optional[tuple[str, str]]:
    for pattern, name, country in agencies():
        if pattern.search(text):
            return name, country
    return None


def _organ_body(span: Span) -> Optional[Span]:
    """ "the press service of the Presidency of Azerbaijan" → "the Presidency of Azerbaijan"."""
    low = span.text.lower()
    for prefix in words().get("organ_prefix", {}):
        if prefix in low:
            for tok in span:
                if tok.dep_ == "prep" and tok.lower_ in ("of", "for", "from", "in", "at") and tok.head.i in {
                        t.i for t in span}:
                    objs = [c for c in tok.children if c.dep_ == "pobj"]
                    if objs:
                        return _phrase(objs[0])
    return None


def _report_author(head: Token) -> Optional[Token]:
    """ "information released by both sides" → "sides"; "a statement from the ministry" → "ministry"."""
    if head.lemma_.lower() not in words().get("report_noun", {}) and head.lower_ not in words().get("report_noun", {}):
        return None
    for tok in head.subtree:
        if tok.dep_ == "agent" or (tok.dep_ == "prep" and tok.lower_ in ("from", "by", "of") and tok.head.i in (
                head.i, *[c.i for c in head.children])):
            objs = [c for c in tok.children if c.dep_ == "pobj"]
            if objs:
                return objs[0]
    return None


def make_source(ctx: CodingContext, sentence: Sentence, head: Token) -> Source:
    """A Source for the phrase headed by ``head``, resolved like an actor."""
    span = _phrase(head)
    start, end = sentence.span_offsets(span)
    source = Source(text=span.text, start=start, end=end)
    found = _agency(span.text)
    if found:
        source.name, source.country, source.sector = found[0], found[1], "JRN"
        return source
    ref = _resolve(ctx, sentence, head, span)
    if ref is not None:
        source.name, source.country, source.sector = ref.name, ref.country, ref.sector
    else:
        unnamed = words().get("unnamed_source", {})
        lemma = head.lemma_.lower()
        if lemma in unnamed:
            source.sector = unnamed[lemma] or None
    return source


def _resolve(ctx: CodingContext, sentence: Sentence, head: Token, span: Span) -> Optional[ActorRef]:
    """The actor resolver, with the article's coreference when the lead's actor stage is there."""
    try:
        from eventcoder.actors.stage import resolve_head
    except ImportError:  # pragma: no cover - the actors package is part of the project
        resolve_head = None
    if resolve_head is not None:
        ref = resolve_head(ctx, sentence, head)
        if ref is not None:
            return ref
    from eventcoder.actors import resolve_mention

    body = _organ_body(span)
    for text in ([body.text] if body is not None else []) + [span.text]:
        ref = resolve_mention(text, ctx.article.date)
        if ref is not None:
            return ref
    return None


def _subject_of(verb: Token) -> Optional[Token]:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass") and child.lower_ not in ("it", "there", "which", "that", "who"):
            return child
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head.pos_ in ("VERB", "AUX"):
        return _subject_of(verb.head)
    return None


def _is_speech(tok: Token) -> bool:
    if tok.pos_ not in ("VERB", "AUX") or tok.lemma_.lower() not in speech_verbs():
        return False
    if tok.lemma_ == "point":  # "pointing out that"
        return any(c.dep_ == "prt" and c.lower_ == "out" for c in tok.children)
    if tok.lemma_ in ("report", "claim") and tok.dep_ in ("amod", "acl") and tok.tag_ == "VBN":
        return False  # "the reported attack", "a claimed victory": not an attribution
    return True


def _cited(ctx: CodingContext, sentence: Sentence, cue: Token, source_head: Token) -> Optional[Source]:
    """ "The Tass agency, citing sources from the authorities, …" → the cited source."""
    for tok in sentence.doc:
        if tok.lemma_.lower() in words().get("cite_verb", {}) and tok.tag_ == "VBG" and (
                tok.head.i in (cue.i, source_head.i) or tok.head.head.i == source_head.i):
            objs = [c for c in tok.children if c.dep_ == "dobj"]
            if objs:
                inner = objs[0]
                # "sources from the authorities": the authorities are the source
                for prep in (c for c in inner.children if c.dep_ == "prep" and c.lower_ in ("from", "in", "within", "close")):
                    pobjs = [c for c in prep.children if c.dep_ == "pobj"]
                    if pobjs:
                        cited = make_source(ctx, sentence, pobjs[0])
                        span = _phrase(inner)
                        cited.text = sentence.doc[span.start:max(span.end, pobjs[0].i + 1)].text
                        cited.start, cited.end = sentence.char(inner), sentence.char(inner) + len(cited.text)
                        return cited
                return make_source(ctx, sentence, inner)
    return None


def _is_person(ctx: CodingContext, head: Token) -> bool:
    """A person speaks ("Aliyev said", "the Azerbaijani leader", "he"), so "In his words" can
    refer back to them."""
    if head.ent_type_ == "PERSON" or head.lower_ in words().get("person_pronoun", {}):
        return True
    from eventcoder.actors import resolve_text

    res = resolve_text(_phrase(head).text, ctx.article.date)
    return res is not None and res.kind == "person"


def find_claims(ctx: CodingContext, sentence: Sentence) -> list[Claim]:
    """The attributions of one parsed sentence, outer claims first."""
    doc = sentence.doc
    if doc is None:
        return []
    claims: list[Claim] = []
    everything = {t.i for t in doc}
    for tok in doc:
        source_head: Optional[Token] = None
        scope: set[int] = set()
        if tok.lower_ == "according":
            to = [c for c in tok.children if c.lower_ == "to"] or (
                [doc[tok.i + 1]] if tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to" else [])
            objs = [c for t in to for c in t.children if c.dep_ == "pobj"]
            if not objs:
                continue
            source_head = _report_author(objs[0]) or objs[0]
            scope = everything - {t.i for t in tok.subtree}
        elif _is_speech(tok):
            source_head = _subject_of(tok)
            if source_head is None:
                continue
            if tok.dep_ in ("ROOT",) or tok.head.i == tok.i:
                scope = everything
            elif tok.dep_ in ("parataxis", "ccomp", "advcl", "conj") and tok.i > tok.head.i:
                # "Militants killed five, police said": the claim covers its head's clause
                scope = {t.i for t in tok.head.subtree}
            else:
                scope = {t.i for t in tok.subtree}
            scope -= {t.i for t in source_head.subtree}
            # "explained … during a telephone conversation": the verb's adjuncts are the narrator's
            for child in tok.children:
                if child.dep_ in ("prep", "npadvmod", "advmod", "agent") and child.i != source_head.i:
                    scope -= {t.i for t in child.subtree}
            author = _report_author(source_head)
            if author is not None:
                source_head = author
        else:
            continue
        source = make_source(ctx, sentence, source_head)
        if source.text.lower() in ("the press release", "the statement", "the release", "the report"):
            previous = ctx.memo.get("last_organ_source")
            if isinstance(previous, Source):
                source = previous.model_copy(update={"text": source.text, "start": source.start, "end": source.end})
        cited = _cited(ctx, sentence, tok, source_head)
        if cited is not None:
            source.citing = cited
        if any(w in source.text.lower() for w in ("press service", "press office", "spokes")):
            ctx.memo["last_organ_source"] = source
        person = _is_person(ctx, source_head)
        claims.append(Claim(source=source, sentence=sentence, cue=tok,
                            source_tokens={t.i for t in source_head.subtree} | {t.i for t in _phrase(source_head)},
                            scope=scope, depth=_depth(tok), person=person))
    return sorted(claims, key=lambda c: c.depth)


# ---------------------------------------------------------------- quotes and their speakers


def _speaker_head(sentence: Sentence, quote: QuoteSpan, story_date: str) -> Optional[Token]:
    """The subject outside the quote of the verb that governs it ("Aliyev said that “…”",
    "the Secretary “expressed his concern …”")."""
    doc = sentence.doc
    inside = [t for t in doc if quote.start <= sentence.char(t) < quote.end]
    if not inside:
        return None
    inside_ids = {t.i for t in inside}
    for tok in inside:
        node = tok
        while node.i in inside_ids and node.head.i != node.i:
            node = node.head
        if node.i in inside_ids:
            continue
        # the first word outside the quote that governs it; climb to a verb with a subject
        for verb in [node] + list(node.ancestors):
            subj = _subject_of(verb) if verb.pos_ in ("VERB", "AUX") else None
            if subj is not None and subj.i not in inside_ids:
                return subj
        break
    # the quote holds the main verb: its subject outside the quote speaks
    for tok in inside:
        if tok.head.i == tok.i or tok.head.i not in inside_ids:
            subj = _subject_of(tok) if tok.pos_ in ("VERB", "AUX") else None
            if subj is not None and subj.i not in inside_ids:
                return subj
    return _speaker_before(sentence, inside[0], story_date)


def _speaker_before(sentence: Sentence, first_inside: Token, story_date: str) -> Optional[Token]:
    """The parser lost the subject ("For his part, the Secretary, according to the release,
    “expressed …”"): the nearest known actor before the opening mark, outside "according to"."""
    from eventcoder.actors import resolve_text

    doc = sentence.doc
    skip = {t.i for tok in doc if tok.lower_ == "according" for t in tok.subtree}
    for tok in reversed(doc[:first_inside.i]):
        if tok.i in skip or tok.pos_ not in ("PROPN", "NOUN") or tok.dep_ in ("compound", "amod", "poss") \
                or (tok.dep_ == "pobj" and tok.head.lower_ == "of"):
            continue
        res = resolve_text(_phrase(tok).text, story_date)
        if res is not None and res.name:
            return tok
    return None



def _speaker_after(sentence: Sentence, quote: QuoteSpan) -> Optional[Token]:
    """ "“…,” says the press service": a speech verb after the closing mark."""
    for tok in sentence.doc:
        if sentence.char(tok) >= quote.end and _is_speech(tok):
            subj = _subject_of(tok)
            if subj is not None and sentence.char(subj) >= quote.end:
                return subj
    return None


def _starts_with_continuation(sentence: Sentence) -> bool:
    low = sentence.text.lower().lstrip(" “\"")
    return any(low.startswith(marker) for marker in words().get("continuation", {}))


def _actor_of(source: Source) -> ActorRef:
    return ActorRef(text=source.text, name=source.name, country=source.country, sector=source.sector,
                    start=source.start or 0, end=source.end or 0, reason="speaker of the quote")


@dataclass
class _QuoteFound:
    span: QuoteSpan
    quote: Quote
    speaker: Optional[Source]
    sentences: set[int]  # indices of the sentences the quote runs through


def _ensure_parsed(sentences: list[Sentence]) -> None:
    todo = [s for s in sentences if s.doc is None]
    if todo:
        from eventcoder.nlp import parse

        for sent, doc in zip(todo, parse([s.text for s in todo])):
            sent.doc = doc


def find_article_quotes(ctx: CodingContext, claims_by_sentence: dict[int, list[Claim]]) -> list[_QuoteFound]:
    """Every quote of the article with its speaker (resolved like an actor)."""
    spans = find_quotes(ctx.text)
    if not spans:
        return []
    paragraphs = paragraph_numbers(ctx)
    found: list[_QuoteFound] = []
    for span in spans:
        covering = [s for s in ctx.sentences if s.start < span.end and span.start < s.end]
        if not covering:
            continue
        _ensure_parsed(covering)
        first, last = covering[0], covering[-1]
        speaker: Optional[Source] = None
        if _starts_with_continuation(first):  # "In his words, … “…”"
            speaker = _previous_speaker(ctx, found, claims_by_sentence, first, paragraphs)
        if speaker is None:
            head = _speaker_head(first, span, ctx.article.date)
            if head is not None:
                speaker = make_source(ctx, first, head)
        if speaker is None:
            after = _speaker_after(last, span)
            if after is not None:
                speaker = make_source(ctx, last, after)
        if speaker is None:
            speaker = _previous_speaker(ctx, found, claims_by_sentence, first, paragraphs)
        quote = Quote(text=span.text, start=span.start, end=span.end,
                      speaker=_actor_of(speaker) if speaker is not None else None)
        found.append(_QuoteFound(span, quote, speaker, {s.index for s in covering}))
    return found


def _previous_speaker(ctx: CodingContext, found: list[_QuoteFound], claims_by_sentence: dict[int, list[Claim]],
                      sentence: Sentence, paragraphs: list[int]) -> Optional[Source]:
    """The last speaker before ``sentence`` in its paragraph (or the paragraph before): a quote's
    speaker or a claim's source, whichever came last."""
    position = {s.index: n for n, s in enumerate(ctx.sentences)}
    here = position[sentence.index]
    best: Optional[tuple[int, Source]] = None
    for q in found:
        if q.speaker is not None and q.span.start < sentence.start:
            best = max(best or (-1, q.speaker), (q.span.start, q.speaker), key=lambda x: x[0])
    for index, claims in claims_by_sentence.items():
        pos = position.get(index)
        if pos is None or pos >= here or paragraphs[pos] < paragraphs[here] - 1:
            continue
        for claim in claims:
            if claim.person and (claim.source.start or 0) < sentence.start:
                best = max(best or (-1, claim.source), (claim.source.start or 0, claim.source), key=lambda x: x[0])
    return best[1] if best else None


# ---------------------------------------------------------------- party to the conflict


def mark_party(source: Source, record: Event) -> Source:
    """A copy of ``source`` with ``party_to_conflict`` set against this event's sides."""
    sides = record.actors + record.recipients
    names = {a.name for a in sides if a.name}
    countries = {a.country for a in sides if a.country}
    party = bool(source.name and source.name in names) or (
        source.country is not None and source.country in countries and source.sector not in NEUTRAL_SECTORS)
    # "Azerbaijan's Defence Ministry said its forces shelled …": the actor is the source's own
    ev = record.evidence
    if source.start is not None and ev.start <= source.start < ev.end and source.sector not in NEUTRAL_SECTORS:
        party = party or any(a.text.lower().split()[:1] in (["its"], ["their"], ["our"]) and a.start > source.start
                             for a in record.actors)
    citing = mark_party(source.citing, record) if source.citing is not None else None
    return source.model_copy(update={"party_to_conflict": party, "citing": citing})


# ---------------------------------------------------------------- per-event attribution


def _chain(claims: list[Claim]) -> Optional[Source]:
    """Outer claim citing the inner ones: "the press service says Aliyev said …"."""
    if not claims:
        return None
    sources = [c.source for c in claims]
    root = sources[0].model_copy(deep=True)
    node = root
    for inner in sources[1:]:
        if inner.text == node.text or (inner.name and inner.name == node.name):
            continue
        while node.citing is not None:
            node = node.citing
        node.citing = inner.model_copy(deep=True)
        node = node.citing
    return root


def claims_for(sentence: Sentence, token: Token, claims: list[Claim]) -> list[Claim]:
    return [c for c in claims if c.covers(sentence, token) and c.cue.i != token.i
            and not (c.sentence.index == sentence.index and token.i in c.source_tokens)]


def _source_key(source: Optional[Source]) -> Optional[str]:
    if source is None:
        return None
    return (source.name or source.text).lower()


def _contest(draft: Draft, mentions: list[CountMention], source_of: dict[int, Optional[Source]]) -> None:
    """Keep each source's version of the figures when named sources disagree; ACLED's lowest wins."""
    groups: dict[Optional[str], list[CountMention]] = {}
    for m in mentions:
        groups.setdefault(_source_key(source_of.get(id(m))), []).append(m)
    named = {k: v for k, v in groups.items() if k is not None}
    if len(groups) < 2 or not named:
        return
    versions = {k: combine(v) for k, v in groups.items()}
    disagree = False
    for kind in ("dead", "injured", "arrested"):
        values = {k: getattr(c, kind) for k, c in versions.items() if getattr(c, kind) is not None}
        if len(set(values.values())) > 1 and _same_victims([m for m in mentions if m.kind == kind]):
            disagree = True
    if not disagree:
        return
    rec = draft.record
    rec.accounts = []
    for key, counts in versions.items():
        first = groups[key][0]
        src = source_of.get(id(first))
        rec.accounts.append(Account(
            reported_by=mark_party(src, rec) if src is not None else None, dead=counts.dead,
            injured=counts.injured, arrested=counts.arrested, qualifiers=dict(counts.qualifiers),
            evidence=first.sentence.text))
    for kind in ("dead", "injured", "arrested"):
        options = [(getattr(c, kind), k) for k, c in versions.items() if getattr(c, kind) is not None]
        if options:
            value, key = min(options, key=lambda o: o[0])
            setattr(rec, kind, value)
            qual = versions[key].qualifiers.get(kind)
            if qual:
                rec.qualifiers[kind] = qual
            else:
                rec.qualifiers.pop(kind, None)
    rec.reasons.append("attribution: sources disagree on the figures; both accounts kept, the lowest used (ACLED)")


def _same_victims(mentions: list[CountMention]) -> bool:
    """Two figures are versions of one count when they name the same victims (or one is generic)."""
    generic = {"people", "person", "other", "civilian", "one"}
    heads: list[set[str]] = []
    for m in mentions:
        heads.append({t.lemma_.lower() for t in m.sentence.doc
                      if m.start <= m.sentence.char(t) < m.end and t.pos_ == "NOUN"})
    for i in range(len(heads)):
        for j in range(i + 1, len(heads)):
            if not heads[i] or not heads[j] or heads[i] & heads[j] or heads[i] & generic or heads[j] & generic:
                return True
    return False


@stage("attribution")
def attribute(ctx: CodingContext) -> None:
    claims_by_sentence: dict[int, list[Claim]] = {}
    for sent in ctx.sentences:
        if sent.doc is not None:
            claims_by_sentence[sent.index] = find_claims(ctx, sent)
    quotes = find_article_quotes(ctx, claims_by_sentence)
    ctx.memo["quotes"] = [q.quote for q in quotes]  # every quote, also those of no event
    paragraphs = paragraph_numbers(ctx)
    position = {s.index: n for n, s in enumerate(ctx.sentences)}

    # "“…,” says X" after a quote opened in an earlier sentence: X speaks for the whole quote
    for q in quotes:
        for index in q.sentences:
            for claim in claims_by_sentence.get(index, []):
                if (claim.sentence.char(claim.cue) >= q.span.end and claim.sentence.start <= q.span.end):
                    claim.extra_sentences |= q.sentences - {claim.sentence.index}
                    claim.scope |= {t.i for t in claim.sentence.doc
                                    if q.span.start <= claim.sentence.char(t) < q.span.end}
    # "In his words, …": the paragraph's previous speaker speaks here too
    carried: dict[int, Source] = {}
    for sent in ctx.sentences:
        if sent.doc is not None and _starts_with_continuation(sent) and not any(
                c.cue.i > 2 for c in claims_by_sentence.get(sent.index, [])):
            speaker = _previous_speaker(ctx, quotes, claims_by_sentence, sent, paragraphs)
            if speaker is not None:
                carried[sent.index] = speaker

    all_claims = [c for cs in claims_by_sentence.values() for c in cs]
    for draft in ctx.drafts:
        sent, trig = draft.sentence, draft.trigger
        # outermost first: "“…,” says X" after the quote, then "according to X", then by parse depth
        mine = sorted(claims_for(sent, trig, all_claims), key=lambda c: (
            c.sentence.index == sent.index, c.cue.lower_ != "according", c.depth))
        offset = sent.char(trig)
        inside = next((q for q in quotes if q.span.start <= offset < q.span.end), None)
        chain = _chain(mine)
        original = carried.get(sent.index) or (inside.speaker if inside is not None else None)
        if original is not None:
            if chain is None:
                chain = original.model_copy(deep=True)
            else:
                node = chain
                known = {_source_key(chain)}
                while node.citing is not None:
                    node = node.citing
                    known.add(_source_key(node))
                if _source_key(original) not in known:
                    node.citing = original.model_copy(deep=True)
        draft.record.reported_by = [mark_party(chain, draft.record)] if chain is not None else []
        if inside is not None:
            draft.record.quote = inside.quote
        else:
            governed = next((q for q in quotes if sent.index in q.sentences and _governs(sent, trig, q.span)), None)
            if governed is not None:
                draft.record.quote = governed.quote

    # contested figures: split each event's figures by the source of the sentence they came from
    owned = ctx.memo.get("count_mentions", {})
    if isinstance(owned, dict):
        for draft in ctx.drafts:
            mentions = owned.get(id(draft), [])
            if len(mentions) < 2:
                continue
            source_of: dict[int, Optional[Source]] = {}
            for m in mentions:
                if m.sentence.index not in claims_by_sentence and m.sentence.doc is not None:
                    claims_by_sentence[m.sentence.index] = find_claims(ctx, m.sentence)
                found = claims_for(m.sentence, m.anchor, claims_by_sentence.get(m.sentence.index, []))
                source_of[id(m)] = _chain(found)
            _contest(draft, mentions, source_of)


def _governs(sentence: Sentence, trigger: Token, span: QuoteSpan) -> bool:
    """The event's word introduces the quote ("Aliyev said that “…”", "pointing out that “…”")."""
    if sentence.doc is None:
        return False
    for tok in trigger.subtree:
        if span.start <= sentence.char(tok) < span.end:
            return True
    return False
