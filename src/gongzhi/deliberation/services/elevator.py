"""加装电梯: the plan and its cost split by floor, and objections during the 公示 after the decision."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import (
    NotFound,
    PermissionDenied,
    PhaseClosed,
    ValidationFailed,
    clean_or_fail,
)
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    ElevatorPlan,
    Objection,
    Procedure,
    Topic,
)
from gongzhi.deliberation.predicates import can_manage_topic, can_set_elevator_coefficients, can_take_part_in_topic
from gongzhi.deliberation.selectors.topics import community_coefficients
from gongzhi.deliberation.services.locks import topic_lock_for_manager
from gongzhi.places.models import Place
from gongzhi.rules import topic_lifecycle as lc


def parse_yuan(raw: str) -> int:
    """ "300000" or "300000.50" 元 → fen, exactly."""
    text = (raw or "").strip().replace(",", "")
    if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", text):
        raise ValidationFailed(_("金额应为元，最多两位小数"), code=Code.BAD_AMOUNT, extra={"field": "total_yuan"})
    return int(Decimal(text) * 100)


COEFFICIENT_RE = re.compile(r"\d{1,3}(\.\d{1,4})?")
MAX_FLOORS = 60


def parse_coefficients(raw: Mapping[int, str]) -> dict[int, Decimal]:
    """Floor → coefficient as typed ("0", "0.8", "1.25"), exactly; floors 1..n with none missing. A blank,
    negative or non-numeric value is refused with the floor it is on."""
    table: dict[int, Decimal] = {}
    for floor, value in sorted(raw.items()):
        text = str(value).strip()
        if not 1 <= floor <= MAX_FLOORS:
            raise ValidationFailed(
                _("楼层应为1至%(n)s层") % {"n": MAX_FLOORS}, code=Code.BAD_COEFFICIENTS, extra={"floor": floor}
            )
        if text.startswith("-"):
            raise ValidationFailed(
                _("第%(floor)s层的分摊系数不能为负数") % {"floor": floor},
                code=Code.NEGATIVE_COEFFICIENT,
                extra={"field": f"coef_{floor}", "floor": floor},
            )
        if not COEFFICIENT_RE.fullmatch(text):
            raise ValidationFailed(
                _("第%(floor)s层的分摊系数应为数字，如 0、0.8 或 1.2") % {"floor": floor},
                code=Code.BAD_COEFFICIENTS,
                extra={"field": f"coef_{floor}", "floor": floor},
            )
        table[floor] = Decimal(text)
    missing = [f for f in range(1, max(table, default=0) + 1) if f not in table]
    if missing:
        raise ValidationFailed(
            _("请填写第%(floor)s层的分摊系数") % {"floor": missing[0]},
            code=Code.MISSING_FLOOR,
            extra={"field": f"coef_{missing[0]}", "floor": missing[0]},
        )
    return table


@transaction.atomic
def elevator_plan_set(
    *,
    actor: User,
    topic: Topic,
    total_yuan: str,
    coefficients: Mapping[int, str] | None = None,
    publicity_days: int = 10,
) -> ElevatorPlan:
    """The cost and its split by floor, while the plan is being discussed. Every floor of the unit needs a
    coefficient; without any, the community's table (else the default one, ground floor 0) applies."""
    from gongzhi.rules import cost_share

    topic = topic_lock_for_manager(actor, topic)
    if topic.procedure != Procedure.ELEVATOR:
        raise NotFound()
    if not lc.phase_allows("revise", topic.status, timezone.now()):
        raise PhaseClosed(_("当前阶段不能修改方案"))
    if not 1 <= publicity_days <= 60:
        raise ValidationFailed(_("公示天数应为1至60天"), code=Code.BAD_DAYS, extra={"field": "publicity_days"})
    total_fen = parse_yuan(total_yuan)
    floors = sorted({f for f in topic_households(topic).values_list("floor", flat=True) if f is not None})
    if not floors:
        raise ValidationFailed(_("该单元没有登记楼层的住户"), code=Code.NO_FLOORS)
    table = parse_coefficients(coefficients) if coefficients else community_coefficients(topic.community_id)
    try:
        chosen = cost_share.coefficients_for(max(floors), table)
    except (ValueError, ArithmeticError) as exc:
        raise ValidationFailed(str(exc) or _("分摊系数无效"), code=Code.MISSING_FLOOR) from exc
    before = None
    plan = ElevatorPlan.objects.filter(topic=topic).first()
    if plan is None:
        plan = ElevatorPlan(community_id=topic.community_id, topic=topic, total_fen=0, coefficients={})
    else:
        before = {"total_fen": plan.total_fen, "coefficients": plan.coefficients}
    plan.total_fen, plan.publicity_days = total_fen, publicity_days
    plan.coefficients = {str(f): str(c) for f, c in sorted(chosen.items())}
    plan.save()
    audit.record(
        actor=actor,
        verb="elevator.plan",
        obj=plan,
        community_id=topic.community_id,
        before=before,
        after={"total_fen": total_fen, "coefficients": plan.coefficients, "publicity_days": publicity_days},
    )
    return plan


@transaction.atomic
def elevator_coefficients_set(*, actor: User, community: Place, coefficients: Mapping[int, str]) -> Any:
    """The community's floor-coefficient table, which prefills every new elevator plan; plans already saved keep
    their own coefficients. Locks the community's row."""
    from gongzhi.deliberation.models.topics import ElevatorCoefficients

    if not can_set_elevator_coefficients(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以修改分摊系数表"))
    table = parse_coefficients(coefficients)
    if not table:
        raise ValidationFailed(_("请至少填写一楼的分摊系数"), code=Code.MISSING_FLOOR, extra={"field": "coef_1"})
    row = ElevatorCoefficients.objects.select_for_update().filter(community_id=community.pk).first()
    before = dict(row.coefficients) if row else None
    if row is None:
        row = ElevatorCoefficients(community_id=community.pk, coefficients={})
    row.coefficients = {str(f): str(c) for f, c in sorted(table.items())}
    row.full_clean()
    row.save()
    audit.record(
        actor=actor,
        verb="elevator.coefficients",
        obj=row,
        community_id=community.pk,
        before={"coefficients": before} if before else None,
        after={"coefficients": row.coefficients},
    )
    return row


def topic_households(topic: Topic) -> Any:
    from gongzhi.places.models import Household

    return Household.objects.filter(community_id=topic.community_id, place_path__under=topic.place_path)


@transaction.atomic
def objection_file(*, actor: User, topic: Topic, body: str) -> Objection:
    """During the 公示 anyone of the unit may object; the objection stays on the record with its answer."""
    topic = Topic.objects.get(pk=topic.pk)
    plan = ElevatorPlan.objects.filter(topic=topic).first()
    if plan is None:
        raise NotFound()
    if not can_take_part_in_topic(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    start = plan.publicity_starts_at
    closes = lc.publicity_closes(start, plan.publicity_days) if start else None
    if start is None or not lc.phase_allows("object", topic.status, timezone.now(), start, closes):
        raise PhaseClosed(_("不在公示期内，不能提出异议"), code=Code.NOT_IN_PUBLICITY)
    text = clean_or_fail(body, label=_("异议"), max_length=2000, field="body", required=_("请写明异议内容"))
    objection = Objection.objects.create(community_id=topic.community_id, topic=topic, author=actor, body=text)
    audit.record(
        actor=actor, verb="objection.file", obj=objection, community_id=topic.community_id, after={"topic": topic.pk}
    )
    return objection


@transaction.atomic
def objection_answer(*, actor: User, objection: Objection, answer: str) -> Objection:
    objection = Objection.objects.select_for_update().select_related("topic").get(pk=objection.pk)
    if not can_manage_topic(actor, objection.topic):
        raise PermissionDenied()
    before = {"answer": objection.answer}
    objection.answer = clean_or_fail(answer, label=_("答复"), max_length=2000, field="answer", required=_("请填写答复"))
    objection.answered_by, objection.answered_at = actor, timezone.now()
    objection.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        verb="objection.answer",
        obj=objection,
        community_id=objection.community_id,
        before=before,
        after={"answer": objection.answer},
    )
    return objection
