"""What happened to a demo voice after it came in, written as history: accepted within hours, a first reply, closed
within (or sometimes after) the deadline and then 督办, rejected with a public reason, rated, reopened once.

Replaying months of handling through the workflow services would stamp every step "now" and cost a transaction per
step; the demo instead sets each voice's fields and appends its timeline rows with the past times, consistently with
what the services would have written, and the caller bulk-writes them with one `demo.voices_history` audit event."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from gongzhi.rules.workdays import is_working_day
from gongzhi.voices.models import EventKind, Party, Status, Voice, VoiceEvent
from gongzhi.voices.services.deadlines import calendar_exceptions, voice_due_at

__all__ = ["REPLIES", "Plan", "work_time", "write_lifecycle"]

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

REPLIES = {
    "parking": ("已安排保安加强巡查，占用消防通道的车辆已联系车主挪走", "已在路口增设禁停标识并施划停车位"),
    "lighting": ("已派电工更换灯具，现已恢复照明", "线路老化已报修，今日已完成维修"),
    "fencing": ("已联系施工队修补破损围栏", "围墙加固方案已确定，本周施工"),
    "refuse": ("已增加清运频次为每日两次，并对垃圾房进行消杀", "已协调环卫公司清运，并设专人督导分类投放"),
    "security": ("已调取监控并报辖区派出所，加强夜间巡逻", "单元门禁已维修，并提醒居民随手关门"),
    "greening": ("已安排园林工人修剪树枝、补种草坪", "病虫害已喷药处理"),
    "noise": ("已联系施工方，夜间22点后停止施工", "已上门劝导，并告知相关规定"),
    "facilities": ("健身器材已维修", "已更换破损井盖并设置警示"),
    "elderly": ("已与社区助餐点对接，每周上门探访", "已为老人登记助餐和居家养老服务"),
    "other": ("已转相关部门处理并答复居民", "已答复，情况已向居民说明"),
}
REJECT_REASONS = (
    "该事项属于业主家庭内部纠纷，建议通过人民调解委员会调解",
    "反映的路段不在本社区范围，已告知向所属社区反映",
    "该问题属于房屋质量保修范围，请联系开发商按保修协议处理",
)
RATING_COMMENTS = {
    5: ("处理很及时，谢谢", "满意，师傅很负责", "当天就解决了"),
    4: ("基本解决了", "比较满意", ""),
    3: ("解决了但是慢了点", ""),
    2: ("拖得太久", "只解决了一部分"),
    1: ("问题没有解决", "还是老样子"),
}
REOPEN_REASONS = ("问题又出现了，请再处理", "只是临时处理，没有根本解决")


def work_time(t: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """The next moment the office is working (9:00–18:00 of a working day by the deployment's calendar, the one
    deadlines are counted in: no holidays, and the 调休 Saturdays worked) at or after t."""
    exceptions = calendar_exceptions()
    local = t.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    if local.hour >= 18:
        local = (local + DAY).replace(hour=9, minute=rng.randrange(0, 50))
    elif local.hour < 9:
        local = local.replace(hour=9, minute=rng.randrange(0, 50))
    while not is_working_day(local.date(), exceptions):
        local = (local + DAY).replace(hour=9, minute=rng.randrange(0, 50))
    return local.astimezone(datetime.UTC)


@dataclass(frozen=True)
class Plan:
    """How a voice's story ends: resolved (on time or late), rejected, or still open; rated; reopened once."""

    outcome: str  # "resolved" | "late" | "rejected" | "open"
    rate: bool = True
    reopen: bool = False


def _rating(rng: random.Random) -> int:
    return rng.choices((5, 4, 3, 2, 1), weights=(52, 30, 9, 5, 4))[0]


class _Timeline:
    def __init__(self, voice: Voice, now: datetime.datetime) -> None:
        self.voice, self.now = voice, now
        self.events: list[VoiceEvent] = []

    def add(self, kind: str, at: datetime.datetime, *, actor_label: str, body: str = "", **kw: object) -> bool:
        """Appends the event if it is already in the past; a step still in the future has not happened yet."""
        if at >= self.now:
            return False
        self.events.append(
            VoiceEvent(
                community_id=self.voice.community_id,
                voice=self.voice,
                kind=kind,
                actor_label=actor_label,
                body=body,
                created_at=at,
                **kw,
            )
        )
        return True


def write_lifecycle(
    voice: Voice, plan: Plan, *, rng: random.Random, now: datetime.datetime, supervisor: Party | None
) -> list[VoiceEvent]:
    """Sets the voice's handling fields as of now and returns the timeline rows after its submission and assignment.
    Steps that would fall after now do not happen: a recent voice is still open."""
    v, t = voice, _Timeline(voice, now)
    label = v.party.name if v.party else "社区工作人员"
    party = v.party
    code = v.category.code
    assert v.due_at is not None
    accepted = work_time(v.created_at + rng.uniform(0.3, 5) * HOUR, rng)
    if not t.add(EventKind.ACCEPTED, accepted, actor_label=label, from_status="pending", to_status="accepted"):
        return t.events
    v.status, v.accepted_at, v.first_response_at = Status.ACCEPTED, accepted, accepted
    if plan.outcome == "rejected":
        at = work_time(accepted + rng.uniform(1, 20) * HOUR, rng)
        if at > v.due_at:
            # Still undecided at the deadline: the sweep sent it to 督办 before the rejection, as it would have.
            escalated = _escalate(t, v, supervisor, rng)
            if escalated is None:
                return t.events
            at = max(at, escalated + HOUR)
        reason = rng.choice(REJECT_REASONS)
        if t.add(
            EventKind.REJECTED, at, actor_label="居委会", body=reason, from_status="accepted", to_status="rejected"
        ):
            v.status, v.is_open, v.closed_at, v.public_reason = Status.REJECTED, False, at, reason
        return t.events
    replied = work_time(accepted + rng.uniform(1, 26) * HOUR, rng)
    reply = rng.choice(REPLIES.get(code, REPLIES["other"]))
    if not t.add(
        EventKind.REPLIED,
        replied,
        actor_label=label,
        body="已收到，正在安排处理",
        from_status="accepted",
        to_status="in_progress",
        party=party,
    ):
        return t.events
    v.status = Status.IN_PROGRESS
    # A reply that only came near the deadline cannot close in time either: that voice goes to 督办 as well.
    late = plan.outcome == "late" or replied + HOUR >= v.due_at
    if late:
        if _escalate(t, v, supervisor, rng) is None:
            return t.events
        closed = max(work_time(v.due_at + rng.uniform(6, 6 * 24) * HOUR, rng), replied + HOUR)
    else:
        span = max((v.due_at - replied).total_seconds(), 3600)
        closed = min(work_time(replied + datetime.timedelta(seconds=rng.uniform(0.1, 0.85) * span), rng), v.due_at)
        closed = max(closed, replied + 0.5 * HOUR)
    if plan.outcome == "open" or not t.add(
        EventKind.CLOSED,
        closed,
        actor_label=label,
        body=reply,
        from_status="in_progress",
        to_status="resolved",
        party=party,
    ):
        return t.events
    v.status, v.is_open, v.closed_at = Status.RESOLVED, False, closed
    if not plan.rate and not plan.reopen:
        return t.events
    rated = closed + rng.uniform(2, 60) * HOUR
    rating = rng.choice((1, 2)) if plan.reopen else _rating(rng)
    comment = rng.choice(RATING_COMMENTS[rating])
    if not t.add(EventKind.RATED, rated, actor_label="居民", body=f"{rating}分 {comment}".strip(), is_public=True):
        return t.events
    v.rating, v.rating_comment, v.rated_at = rating, comment, rated
    if not plan.reopen:
        return t.events
    reopened = rated + rng.uniform(1, 30) * HOUR
    reason = rng.choice(REOPEN_REASONS)
    if not t.add(
        EventKind.REOPENED, reopened, actor_label="居民", body=reason, from_status="resolved", to_status="in_progress"
    ):
        return t.events
    v.status, v.is_open, v.closed_at, v.reopen_count, v.reopen_reason = Status.IN_PROGRESS, True, None, 1, reason
    v.rating, v.rating_comment, v.rated_at = None, "", None
    v.due_at = voice_due_at(category=v.category, start=reopened)
    v.reminded_at = None
    again = work_time(reopened + rng.uniform(4, 40) * HOUR, rng)
    if not t.add(
        EventKind.CLOSED,
        min(again, v.due_at),
        actor_label=label,
        body="已返工处理，并请居民现场确认",
        from_status="in_progress",
        to_status="resolved",
        party=party,
    ):
        return t.events
    v.status, v.is_open, v.closed_at = Status.RESOLVED, False, min(again, v.due_at)
    rerated = v.closed_at + rng.uniform(2, 48) * HOUR
    if t.add(EventKind.RATED, rerated, actor_label="居民", body="4分 这次修好了", is_public=True):
        v.rating, v.rating_comment, v.rated_at = 4, "这次修好了", rerated
    return t.events


def _escalate(t: _Timeline, v: Voice, supervisor: Party | None, rng: random.Random) -> datetime.datetime | None:
    """督办 within hours of the deadline, as `voices_sweep` does, at the moment returned; None while that moment has
    not come yet."""
    assert v.due_at is not None
    escalated = v.due_at + rng.uniform(0.5, 3) * HOUR
    if not t.add(
        EventKind.ESCALATED,
        escalated,
        actor_label=supervisor.name if supervisor else "居委会",
        body="已超过办理期限，转督办",
        party=supervisor,
        is_public=True,
    ):
        return None
    v.escalated_at, v.escalation_level = escalated, 1
    return escalated


HISTORY_FIELDS = [
    "status",
    "is_open",
    "accepted_at",
    "first_response_at",
    "closed_at",
    "due_at",
    "reminded_at",
    "escalated_at",
    "escalation_level",
    "public_reason",
    "reopen_count",
    "reopen_reason",
    "rating",
    "rating_comment",
    "rated_at",
]
