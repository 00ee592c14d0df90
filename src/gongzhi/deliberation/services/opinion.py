"""Opinion-map writes: statements, their moderation, votes (online, and a paper questionnaire entered by staff).

Phases are the topic's ("statement" and "opine": published or in discussion); one audit event per call.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, NotFound, PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import OpinionStatement, OpinionVote, Procedure, StatementStatus, Topic
from gongzhi.deliberation.predicates import can_manage_topic, in_topic_audience
from gongzhi.people.models import Person
from gongzhi.rules import topic_lifecycle as lc

__all__ = [
    "PENDING_MAX",
    "STANCES",
    "STATEMENT_MAX",
    "on_decide",
    "questionnaire_enter",
    "statement_add",
    "statement_key",
    "statement_moderate",
    "statement_vote",
]

STATEMENT_MAX = 140
# A resident may have this many statements waiting for moderation at once: enough to take part, not to flood.
PENDING_MAX = 5
STANCES: dict[str, int] = {"agree": 1, "disagree": -1, "pass": 0}


def statement_key(text: str) -> str:
    """What makes two statements the same: the characters left without spaces, punctuation and case."""
    normal = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in normal if unicodedata.category(ch)[0] not in "PZSC")[:STATEMENT_MAX]


def _opinion_topic(topic: Topic, feature: str) -> Topic:
    """The topic as it is now; refuses topics of another procedure and closed phases."""
    fresh: Topic = Topic.objects.get(pk=topic.pk)
    if fresh.procedure != Procedure.OPINION:
        raise PhaseClosed(_("该议题不是民意征集"), code=Code.NOT_OPINION)
    if not lc.phase_allows(feature, fresh.status, timezone.now()):
        message = _("当前阶段不能提交观点") if feature == "statement" else _("当前阶段不能作答")
        raise PhaseClosed(message)
    return fresh


def _forget_map(topic_id: int) -> None:
    from gongzhi.deliberation.selectors.opinion import map_forget

    transaction.on_commit(lambda: map_forget(topic_id))


def _stance(stance: str) -> int:
    if stance not in STANCES:
        raise ValidationFailed(_("请选择同意、不同意或跳过"), code=Code.BAD_STANCE)
    return STANCES[stance]


def _locked_statement(statement: OpinionStatement) -> OpinionStatement:
    found: OpinionStatement | None = (
        OpinionStatement.objects.select_for_update(of=("self",)).select_related("topic").filter(pk=statement.pk).first()
    )
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def statement_add(*, actor: User, topic: Topic, text: str) -> OpinionStatement:
    """Staff seed statements that are approved at once; residents of the audience submit ones that wait for
    moderation. The same text twice (ignoring spaces, punctuation, case) is refused, by a unique key."""
    topic = _opinion_topic(topic, "statement")
    staff = can_manage_topic(actor, topic)
    if not (staff or in_topic_audience(actor, topic)):
        raise PermissionDenied(_("您不在该议题的范围内"))
    if len((text or "").strip()) > STATEMENT_MAX:
        raise ValidationFailed(
            _("观点不能超过140字"), code=Code.TOO_LONG, extra={"field": "text", "length": len(text.strip())}
        )
    text = clean_or_fail(
        text,
        label=_("观点"),
        max_length=STATEMENT_MAX,
        field="text",
        required=_("观点不能为空"),
        required_code=Code.EMPTY,
    )
    key = statement_key(text)
    if not key:
        raise ValidationFailed(_("观点不能只有标点符号"), code=Code.EMPTY, extra={"field": "text"})
    duplicate = Duplicate(_("已有相同的观点，请直接作答"), code=Code.DUPLICATE_STATEMENT, extra={"field": "text"})
    if OpinionStatement.objects.filter(topic=topic, text_key=key).exists():
        raise duplicate
    pending = OpinionStatement.objects.filter(topic=topic, author=actor, status=StatementStatus.PENDING).count()
    if not staff and pending >= PENDING_MAX:
        raise ValidationFailed(_("您已有5条观点在等待审核，请审核后再提交"), code=Code.TOO_MANY_PENDING)
    now = timezone.now()
    statement = OpinionStatement(
        community_id=topic.community_id,
        topic=topic,
        text=text,
        text_key=key,
        author=actor,
        seeded=staff,
        status=StatementStatus.APPROVED if staff else StatementStatus.PENDING,
        moderated_by=actor if staff else None,
        moderated_at=now if staff else None,
    )
    statement.full_clean(exclude=["community", "topic", "author", "moderated_by"], validate_constraints=False)
    try:
        with transaction.atomic():
            statement.save()
    except IntegrityError as exc:
        raise duplicate from exc
    _forget_map(topic.pk)
    audit.record(
        actor=actor,
        verb="opinion.statement",
        obj=statement,
        community_id=topic.community_id,
        after={"topic": topic.pk, "text": text, "status": statement.status},
    )
    return statement


@transaction.atomic
def statement_moderate(
    *, actor: User, statement: OpinionStatement, approve: bool, reason: str = ""
) -> OpinionStatement:
    """Staff approve a pending (or earlier rejected) statement, or reject one with a reason its author sees. A
    statement rejected after votes keeps them; the map leaves it out the Pol.is way (moderated_out)."""
    statement = _locked_statement(statement)
    if not can_manage_topic(actor, statement.topic):
        raise PermissionDenied(_("只有社区工作人员可以审核观点"))
    _opinion_topic(statement.topic, "statement")
    before = {"status": statement.status, "reason": statement.reject_reason}
    if approve:
        if statement.status == StatementStatus.APPROVED:
            raise PhaseClosed(_("该观点已经通过审核"), code=Code.ALREADY_MODERATED)
        statement.status, statement.reject_reason = StatementStatus.APPROVED, ""
    else:
        if statement.status == StatementStatus.REJECTED:
            raise PhaseClosed(_("该观点已经未通过审核"), code=Code.ALREADY_MODERATED)
        statement.reject_reason = clean_or_fail(
            reason,
            label=_("理由"),
            max_length=200,
            field="reason",
            required=_("不通过须写明理由"),
            required_code=Code.REASON_REQUIRED,
        )
        statement.status = StatementStatus.REJECTED
    statement.moderated_by, statement.moderated_at = actor, timezone.now()
    statement.save(update_fields=["status", "reject_reason", "moderated_by", "moderated_at", "updated_at"])
    _forget_map(statement.topic_id)
    audit.record(
        actor=actor,
        verb="opinion.approve" if approve else "opinion.reject",
        obj=statement,
        community_id=statement.community_id,
        before=before,
        after={"status": statement.status, "reason": statement.reject_reason},
    )
    return statement


def _upsert(
    *, statement: OpinionStatement, voter: Any, person: Person | None, value: int, entered_by: Any
) -> tuple[OpinionVote, int | None]:
    """Creates or updates the participant's answer; returns it with the earlier stance (None when new).

    Two requests racing to create the same answer: the unique constraint lets one insert through, the other
    falls back to updating that row, so one row remains with the later stance."""
    who = {"voter": voter} if voter is not None else {"person": person}
    rows = OpinionVote.objects.select_for_update().filter(statement=statement, **who)
    existing = rows.first()
    if existing is None:
        vote = OpinionVote(
            community_id=statement.community_id,
            topic_id=statement.topic_id,
            statement=statement,
            stance=value,
            entered_by=entered_by,
            **who,
        )
        try:
            with transaction.atomic():
                vote.save()
            return vote, None
        except IntegrityError:
            existing = rows.first()
            if existing is None:
                raise
    before = existing.stance
    existing.stance, existing.entered_by = value, entered_by
    existing.save(update_fields=["stance", "entered_by", "updated_at"])
    return existing, before


def _votable(statement: OpinionStatement) -> None:
    if statement.status != StatementStatus.APPROVED:
        raise PhaseClosed(_("该观点尚未通过审核，不能作答"), code=Code.NOT_APPROVED)


@transaction.atomic
def statement_vote(*, actor: User, statement: OpinionStatement, stance: str) -> OpinionVote:
    """A participant (a logged-in member of the topic's audience) answers agree, disagree or pass; answering
    again replaces the earlier answer, and the audit keeps both."""
    value = _stance(stance)
    statement = _locked_statement(statement)
    topic = _opinion_topic(statement.topic, "opine")
    if not in_topic_audience(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    _votable(statement)
    vote, before = _upsert(statement=statement, voter=actor, person=None, value=value, entered_by=actor)
    _forget_map(statement.topic_id)
    audit.record(
        actor=actor,
        verb="opinion.vote",
        obj=vote,
        community_id=vote.community_id,
        before=None if before is None else {"stance": before},
        after={"statement": statement.pk, "stance": value},
    )
    return vote


@transaction.atomic
def questionnaire_enter(
    *, actor: User, topic: Topic, person: Person, answers: Mapping[int, str], sheet_no: str = ""
) -> list[OpinionVote]:
    """Staff enter a resident's paper questionnaire: statement id → stance. The answers count as the
    resident's (as their account's if they have one, so one person is one participant); audited on behalf of
    the resident. Blank answers are left as they were."""
    topic = _opinion_topic(topic, "opine")
    if not can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以录入纸质问卷"))
    person = Person.objects.get(pk=person.pk)  # whether they have an account now, not when the caller read it
    if person.community_id != topic.community_id or not (person.place_path or "").startswith(topic.place_path):
        raise PermissionDenied(_("该居民不在本议题的范围内"), code=Code.NOT_IN_AUDIENCE)
    chosen = {int(k): _stance(v) for k, v in answers.items() if v != ""}
    if not chosen:
        raise ValidationFailed(_("问卷上没有作答"), code=Code.NO_ANSWERS)
    sheet = clean_or_fail(sheet_no, label=_("问卷编号"), max_length=40, field="sheet_no")
    statements = {
        s.pk: s for s in OpinionStatement.objects.select_for_update().filter(topic=topic, pk__in=chosen).order_by("pk")
    }
    if len(statements) != len(chosen):
        raise NotFound()
    for statement in statements.values():
        _votable(statement)
    voter, who = (person.account, None) if person.account_id else (None, person)
    votes, before, after = [], {}, {}
    for pk, value in sorted(chosen.items()):
        vote, old = _upsert(statement=statements[pk], voter=voter, person=who, value=value, entered_by=actor)
        votes.append(vote)
        if old is not None:
            before[str(pk)] = old
        after[str(pk)] = value
    _forget_map(topic.pk)
    audit.record(
        actor=actor,
        verb="opinion.paper",
        object_type="deliberation.topic",
        object_id=str(topic.pk),
        community_id=topic.community_id,
        on_behalf_of=f"person:{person.pk}",
        before=before or None,
        after={"answers": after, "sheet_no": sheet},
    )
    return votes


def on_decide(*, actor: User, topic: Topic) -> None:
    """Called by topic_decide inside its transaction, with the topic locked: freezes the map as it stands into
    topic.result (saved by topic_decide), so the recorded outcome never changes afterwards."""
    from gongzhi.deliberation.selectors.opinion import frozen_summary, map_summary

    topic.result = {"procedure": str(Procedure.OPINION), **frozen_summary(map_summary(topic=topic))}
