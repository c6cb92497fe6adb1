"""The events stage: triggers → PLOVER type and mode, roles, and modality, as event drafts."""
from __future__ import annotations

from eventcoder.events.lexicon import plover_types
from eventcoder.events.modality import modality
from eventcoder.events.roles import roles
from eventcoder.events.triggers import find_triggers
from eventcoder.pipeline import CodingContext, Draft, stage
from eventcoder.record import Event, Evidence


@stage("events")
def code_events(ctx: CodingContext) -> None:
    types = plover_types()
    for sentence in ctx.parsed:
        for found in find_triggers(sentence.doc):
            rule, tok = found.rule, found.token
            # the mode from the most specific word of a merged event ("shelling and shooting")
            mode = rule.mode
            ptype = types[rule.event_type]
            mood = modality(tok)
            sources, recipients = roles(tok, rule.event_type)
            for extra in found.merged[1:]:
                more_s, more_r = roles(extra, rule.event_type)
                sources += [t for t in more_s if t not in sources]
                recipients += [t for t in more_r if t not in recipients]
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
