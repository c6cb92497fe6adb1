"""Events implied by other events once actors are known (stage "derived").

- An accusation: a speaker who reports an attack by another side ("X said Y's troops fired at …",
  "X informed Z, pointing out that … by Y") ACCUSEs that side (PLOVER ACCUSE:allege).
- The victims' side: an attack with no recipient, reported by a party other than the attacker
  ("Armenians have reported deaths due to shelling by X"), takes the reporter as its recipient.
Both record their reason on the event.
"""
from __future__ import annotations

from spacy.tokens import Token

from eventcoder.actors.stage import resolve_head
from eventcoder.events.lexicon import plover_types
from eventcoder.events.roles import _subject
from eventcoder.pipeline import CodingContext, Draft, stage
from eventcoder.record import Event, Evidence

SPEECH_LEMMAS = {"say", "point", "inform", "claim", "state", "assure", "explain", "tell", "report",
                 "announce", "allege", "insist", "stress", "add", "write", "declare"}
HOSTILE = {"ASSAULT", "COERCE"}


def _speakers(ctx: CodingContext, draft: Draft) -> list[tuple[Token, object]]:
    out = []
    for tok in draft.sentence.doc:
        if tok.pos_ == "VERB" and tok.lemma_.lower() in SPEECH_LEMMAS:
            for subj in _subject(tok):
                ref = resolve_head(ctx, draft.sentence, subj)
                if ref and ref.country:
                    out.append((tok, ref))
    return out


@stage("derived")
def derive_events(ctx: CodingContext) -> None:
    ptype = plover_types()["ACCUSE"]
    new: list[Draft] = []
    for draft in ctx.drafts:
        rec = draft.record
        if rec.event_type not in HOSTILE or not rec.realized:
            continue
        attackers = {a.country for a in rec.actors if a.country}
        for verb, speaker in _speakers(ctx, draft):
            if speaker.country in attackers:
                continue
            if not rec.recipients and rec.event_type == "ASSAULT" and attackers:
                # the reporter's side, not the reporter: a president who reports an attack was not its target
                victim = speaker if speaker.sector in (None, "CVL") else speaker.model_copy(
                    update={"name": f"{speaker.country} side", "sector": None})
                rec.recipients = [victim]
                rec.reasons.append(f"recipient: the reporting side '{speaker.text}' (no victim named)")
            already = any(d.record.event_type == "ACCUSE" and d.sentence is draft.sentence for d in ctx.drafts + new)
            if attackers and not already and verb.lemma_.lower() != "report":
                start = draft.sentence.char(verb)
                accuse = Event(
                    id=f"{ctx.article.id}-{len(ctx.drafts) + len(new):02d}", article_id=ctx.article.id,
                    story_date=ctx.article.date, event_type="ACCUSE", mode="allege",
                    quad_class=ptype.quad_class, goldstein=ptype.goldstein, cameo="112",
                    actors=[speaker], recipients=list(rec.actors),
                    trigger=Evidence(text=verb.text, start=start, end=start + len(verb.text)),
                    evidence=rec.evidence,
                    reasons=[f"derived: '{speaker.text}' reports a {rec.event_type.lower()} by the other side"],
                )
                new.append(Draft(sentence=draft.sentence, trigger=verb, record=accuse, trigger_tokens=[verb]))
    ctx.drafts.extend(new)
