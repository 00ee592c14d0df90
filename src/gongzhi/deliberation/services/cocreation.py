"""团队共创 writes: the session's settings, ideas, clusters, dot votes, the frozen ranking and the action plan.

Every write that touches the board (settings, clusters, dots) locks the session row first, then reads the topic:
concurrent dot spends by one participant queue on that lock, so none can see a stale count and overspend.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, PhaseClosed, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import (
    ActionItem,
    ActionStatus,
    Cluster,
    CocreationSession,
    Dot,
    Idea,
    IdeaSource,
    Procedure,
    Status,
    Topic,
)
from gongzhi.deliberation.predicates import can_manage_topic, can_take_part_in_topic, in_topic_audience
from gongzhi.deliberation.services.locks import topic_lock_for_manager
from gongzhi.rules import dot_vote
from gongzhi.rules import topic_lifecycle as lc

__all__ = [
    "IDEAS_PER_PERSON",
    "IDEA_MAX_LENGTH",
    "MAX_ACTION_ITEMS",
    "MAX_CLUSTERS",
    "action_item_add",
    "action_item_update",
    "cluster_create",
    "cluster_rename",
    "cocreation_configure",
    "dot_spend",
    "dot_take_back",
    "idea_add",
    "idea_assign",
    "idea_hide",
]

IDEA_MAX_LENGTH = 200  # a sticky note, not an essay: long proposals go to comments
IDEAS_PER_PERSON = 20
MAX_CLUSTERS = 20
MAX_ACTION_ITEMS = 30


def _cocreation(topic: Topic) -> None:
    if topic.procedure != Procedure.COCREATION:
        raise PhaseClosed(_("该议题不是团队共创"), code=Code.NOT_COCREATION)


def _session(topic: Topic) -> CocreationSession:
    """The topic's session row, made with the defaults on first use, and locked until the transaction ends."""
    CocreationSession.objects.get_or_create(topic_id=topic.pk, defaults={"community_id": topic.community_id})
    session: CocreationSession = CocreationSession.objects.select_for_update().get(topic_id=topic.pk)
    return session


def _fresh(topic: Topic) -> Topic:
    """The topic as it is now (read after the session lock, so a phase change cannot slip in between)."""
    fresh: Topic = Topic.objects.get(pk=topic.pk)
    return fresh


def _phase(feature: str, topic: Topic, message: str, code: str) -> None:
    if not lc.phase_allows(feature, topic.status, timezone.now()):
        raise PhaseClosed(message, code=code)


def _manager(actor: User, topic: Topic) -> None:
    if not can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以整理团队共创"))


@transaction.atomic
def cocreation_configure(
    *, actor: User, topic: Topic, dots_per_person: int, max_per_cluster: int | None, top: int
) -> CocreationSession:
    """Staff fix the dots per participant, the optional cap per cluster and how many clusters go to the plan;
    only before voting opens, so that nobody's budget changes under them."""
    topic = topic_lock_for_manager(actor, topic)
    _cocreation(topic)
    session = _session(topic)
    if topic.status not in (Status.PUBLISHED, Status.DISCUSSION):
        raise PhaseClosed(_("投点开始后不能再修改设置"), code=Code.SETTINGS_LOCKED)
    try:
        dot_vote.check_settings(dots_per_person, max_per_cluster, top)
    except ValueError as exc:
        raise ValidationFailed(str(exc), code=Code.BAD_SETTINGS) from exc
    before = audit.snapshot(session, ["dots_per_person", "max_per_cluster", "top"])
    session.dots_per_person, session.max_per_cluster, session.top = dots_per_person, max_per_cluster, top
    session.full_clean()
    session.save(update_fields=["dots_per_person", "max_per_cluster", "top", "updated_at"])
    audit.record(
        actor=actor,
        verb="cocreation.configure",
        obj=session,
        community_id=topic.community_id,
        before=before,
        after=audit.snapshot(session, ["dots_per_person", "max_per_cluster", "top"]),
    )
    return session


@transaction.atomic
def idea_add(*, actor: User, topic: Topic, body: str, on_behalf_of: str = "") -> Idea:
    """A resident of the topic's audience (or staff) adds a short idea while ideas are collected. With
    `on_behalf_of`, staff enter an idea collected on paper or at a 坝坝会 for the named resident."""
    topic = _fresh(topic)
    _cocreation(topic)
    offline = bool((on_behalf_of or "").strip())
    if offline:
        _manager(actor, topic)
    elif not can_take_part_in_topic(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    _phase("idea", topic, _("现在不是收集想法的阶段"), "ideas_closed")
    text = clean_or_fail(
        body,
        label=_("想法"),
        max_length=IDEA_MAX_LENGTH,
        field="body",
        required=_("想法不能为空"),
        required_code=Code.IDEA_REQUIRED,
    )
    name = clean_or_fail(on_behalf_of, label=_("提出人"), max_length=50, field="on_behalf_of")
    if not offline and Idea.objects.filter(topic=topic, author=actor, source=IdeaSource.ONLINE).count() >= (
        IDEAS_PER_PERSON
    ):
        raise ValidationFailed(_("每人最多提交%(n)d条想法") % {"n": IDEAS_PER_PERSON}, code=Code.TOO_MANY_IDEAS)
    idea = Idea(
        community_id=topic.community_id,
        topic=topic,
        body=text,
        author=actor,
        source=IdeaSource.OFFLINE if offline else IdeaSource.ONLINE,
        on_behalf_of=name,
    )
    idea.full_clean()
    idea.save()
    audit.record(
        actor=actor,
        verb="idea.enter_offline" if offline else "idea.add",
        obj=idea,
        community_id=topic.community_id,
        on_behalf_of=name,
        after={"topic": topic.pk, "body": text, "source": idea.source},
    )
    return idea


@transaction.atomic
def idea_hide(*, actor: User, idea: Idea, reason: str) -> Idea:
    """Moderation hides an idea with a public reason; its text stays in the record, and it leaves its cluster."""
    idea = Idea.objects.select_for_update().select_related("topic").get(pk=idea.pk)
    _manager(actor, idea.topic)
    reason = clean_or_fail(
        reason,
        label=_("理由"),
        max_length=200,
        field="reason",
        required=_("隐藏想法须写明理由"),
        required_code=Code.REASON_REQUIRED,
    )
    before = {"hidden": idea.hidden, "cluster": idea.cluster_id}
    idea.hidden, idea.hidden_reason, idea.cluster = True, reason, None
    idea.save(update_fields=["hidden", "hidden_reason", "cluster"])
    audit.record(
        actor=actor,
        verb="idea.hide",
        obj=idea,
        community_id=idea.community_id,
        before=before,
        after={"hidden": True, "reason": reason},
    )
    return idea


def _cluster_name(name: str) -> str:
    return clean_or_fail(
        name,
        label=_("类别名称"),
        max_length=40,
        field="name",
        required=_("请填写类别名称"),
        required_code=Code.NAME_REQUIRED,
    )


@transaction.atomic
def cluster_create(*, actor: User, topic: Topic, name: str) -> Cluster:
    """Staff open a new cluster at the end of the board, while the ideas are being grouped."""
    topic = topic_lock_for_manager(actor, topic)
    _cocreation(topic)
    _session(topic)
    _phase("cluster", topic, _("现在不能整理类别"), "clusters_closed")
    text = _cluster_name(name)
    clusters = Cluster.objects.filter(topic=topic)
    if clusters.filter(name=text).exists():
        raise ValidationFailed(_("已有同名的类别"), code=Code.DUPLICATE_CLUSTER, extra={"field": "name"})
    if clusters.count() >= MAX_CLUSTERS:
        raise ValidationFailed(_("最多%(n)d个类别") % {"n": MAX_CLUSTERS}, code=Code.TOO_MANY_CLUSTERS)
    position = (clusters.aggregate(p=Max("position"))["p"] or 0) + 1
    cluster = Cluster(community_id=topic.community_id, topic=topic, name=text, position=position)
    cluster.save()
    audit.record(
        actor=actor,
        verb="cluster.create",
        obj=cluster,
        community_id=topic.community_id,
        after={"topic": topic.pk, "name": text, "position": position},
    )
    return cluster


@transaction.atomic
def cluster_rename(*, actor: User, cluster: Cluster, name: str) -> Cluster:
    topic = topic_lock_for_manager(actor, cluster.topic)
    _session(topic)
    cluster = Cluster.objects.select_for_update().get(pk=cluster.pk, topic=topic)
    _phase("cluster", topic, _("现在不能整理类别"), "clusters_closed")
    text = _cluster_name(name)
    if Cluster.objects.filter(topic=topic, name=text).exclude(pk=cluster.pk).exists():
        raise ValidationFailed(_("已有同名的类别"), code=Code.DUPLICATE_CLUSTER, extra={"field": "name"})
    before = cluster.name
    cluster.name = text
    cluster.save(update_fields=["name"])
    audit.record(
        actor=actor,
        verb="cluster.rename",
        obj=cluster,
        community_id=cluster.community_id,
        before={"name": before},
        after={"name": text},
    )
    return cluster


@transaction.atomic
def idea_assign(*, actor: User, idea: Idea, cluster: Cluster | None) -> Idea:
    """Puts an idea in one cluster (or takes it out of any): an idea is in at most one cluster."""
    topic = topic_lock_for_manager(actor, idea.topic)
    _session(topic)
    idea = Idea.objects.select_for_update().get(pk=idea.pk, topic=topic)
    _phase("cluster", topic, _("现在不能整理类别"), "clusters_closed")
    if cluster is not None and cluster.topic_id != topic.pk:
        raise NotFound()
    if idea.hidden and cluster is not None:
        raise ValidationFailed(_("已隐藏的想法不能归类"), code=Code.IDEA_HIDDEN)
    before = idea.cluster_id
    idea.cluster = cluster
    idea.save(update_fields=["cluster"])
    audit.record(
        actor=actor,
        verb="idea.assign",
        obj=idea,
        community_id=idea.community_id,
        before={"cluster": before},
        after={"cluster": cluster.pk if cluster else None},
    )
    return idea


def _dot_window(topic: Topic) -> None:
    now = timezone.now()
    if lc.phase_allows("dot", topic.status, now, topic.voting_opens_at, topic.voting_closes_at):
        return
    if topic.status in (Status.PUBLISHED, Status.DISCUSSION) or (
        topic.status == Status.VOTING and topic.voting_opens_at and now < topic.voting_opens_at
    ):
        raise PhaseClosed(_("投点尚未开始"), code=Code.DOTS_NOT_OPEN)
    raise PhaseClosed(_("投点已截止"), code=Code.DOTS_CLOSED)


def _live_dots(topic: Topic, actor: User) -> list[int]:
    return list(
        Dot.objects.filter(topic=topic, participant=actor, withdrawn_at__isnull=True).values_list(
            "cluster_id", flat=True
        )
    )


@transaction.atomic
def dot_spend(*, actor: User, topic: Topic, cluster: Cluster) -> Dot:
    """One dot from a participant of the topic's audience on a cluster, inside the voting window. Takes the
    session lock before counting, so concurrent spends by one person never exceed the budget."""
    session = _session(topic)
    topic = _fresh(topic)
    _cocreation(topic)
    if not in_topic_audience(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    _dot_window(topic)
    if cluster.topic_id != topic.pk:
        raise NotFound()
    live = _live_dots(topic, actor)
    refusal = dot_vote.spend_refusal(
        dots_per_person=session.dots_per_person,
        max_per_cluster=session.max_per_cluster,
        spent=len(live),
        spent_on_cluster=live.count(cluster.pk),
    )
    if refusal == "no_dots_left":
        raise ValidationFailed(
            _("您的%(n)d个点已经用完，可以先收回一个点再投") % {"n": session.dots_per_person},
            code=Code.NO_DOTS_LEFT,
            extra={"left": 0},
        )
    if refusal == "cluster_full":
        raise ValidationFailed(
            _("每个类别每人最多投%(n)d个点") % {"n": session.max_per_cluster or 0},
            code=Code.CLUSTER_FULL,
            extra={"left": session.dots_per_person - len(live)},
        )
    dot = Dot.objects.create(community_id=topic.community_id, topic=topic, cluster=cluster, participant=actor)
    audit.record(
        actor=actor,
        verb="dot.spend",
        obj=dot,
        community_id=topic.community_id,
        after={"topic": topic.pk, "cluster": cluster.pk, "left": session.dots_per_person - len(live) - 1},
    )
    return dot


@transaction.atomic
def dot_take_back(*, actor: User, topic: Topic, cluster: Cluster) -> Dot:
    """The participant's latest live dot on the cluster is withdrawn (kept, stamped), while the window is open."""
    _session(topic)
    topic = _fresh(topic)
    _cocreation(topic)
    if not in_topic_audience(actor, topic):
        raise PermissionDenied(_("您不在该议题的范围内"))
    _dot_window(topic)
    if cluster.topic_id != topic.pk:
        raise NotFound()
    dot: Dot | None = (
        Dot.objects.filter(topic=topic, cluster=cluster, participant=actor, withdrawn_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if dot is None:
        raise ValidationFailed(_("您没有在这个类别上投点"), code=Code.NO_DOT_HERE)
    dot.withdrawn_at = timezone.now()
    dot.save(update_fields=["withdrawn_at"])
    audit.record(
        actor=actor,
        verb="dot.take_back",
        obj=dot,
        community_id=topic.community_id,
        after={"topic": topic.pk, "cluster": cluster.pk},
    )
    return dot


def on_decide(*, actor: User, topic: Topic) -> None:
    """Called by topic_decide inside its transaction, with the topic locked and the window checked closed:
    waits on the session lock for any spend still in flight, then freezes the ranking into topic.result."""
    if topic.status != Status.VOTING:
        raise PhaseClosed(_("团队共创须先投点，投点截止后再形成决议"), code=Code.NO_DOT_VOTE)
    session = _session(topic)
    if not Cluster.objects.filter(topic=topic).exists():
        raise PhaseClosed(_("还没有任何类别，不能形成决议"), code=Code.NO_CLUSTERS)
    from gongzhi.deliberation.selectors.cocreation import cocreation_ranking

    topic.result = {**cocreation_ranking(topic=topic, session=session), "frozen_at": timezone.now().isoformat()}


def _top_clusters(topic: Topic) -> set[int]:
    result = topic.result or {}
    return {r["cluster"] for r in result.get("ranking", []) if r.get("top")}


def _owner(owner: str) -> str:
    return clean_or_fail(
        owner,
        label=_("负责人"),
        max_length=50,
        field="owner",
        required=_("请填写负责人"),
        required_code=Code.OWNER_REQUIRED,
    )


def _title(title: str) -> str:
    return clean_or_fail(
        title,
        label=_("行动"),
        max_length=100,
        field="title",
        required=_("请填写行动内容"),
        required_code=Code.TITLE_REQUIRED,
    )


def _due(due: datetime.date | None, *, unchanged: datetime.date | None = None) -> datetime.date:
    if due is None:
        raise ValidationFailed(_("请填写完成期限"), code=Code.DUE_REQUIRED, extra={"field": "due"})
    if due != unchanged and due < timezone.localdate():
        raise ValidationFailed(_("完成期限不能早于今天"), code=Code.BAD_DUE, extra={"field": "due"})
    return due


@transaction.atomic
def action_item_add(
    *, actor: User, topic: Topic, cluster: Cluster | None, title: str, owner: str, due: datetime.date | None
) -> ActionItem:
    """After the decision, staff turn a top cluster into an action with a responsible party and a date."""
    topic = topic_lock_for_manager(actor, topic)
    _cocreation(topic)
    _phase("action_plan", topic, _("形成决议后才能制定行动计划"), "plan_closed")
    if cluster is not None and cluster.topic_id != topic.pk:
        raise NotFound()
    if cluster is not None and cluster.pk not in _top_clusters(topic):
        raise ValidationFailed(_("只有得点最多的类别进入行动计划"), code=Code.NOT_TOP)
    if ActionItem.objects.filter(topic=topic).count() >= MAX_ACTION_ITEMS:
        raise ValidationFailed(_("行动计划最多%(n)d项") % {"n": MAX_ACTION_ITEMS}, code=Code.TOO_MANY_ITEMS)
    item = ActionItem(
        community_id=topic.community_id,
        topic=topic,
        cluster=cluster,
        title=_title(title or (cluster.name if cluster else "")),
        owner=_owner(owner),
        due=_due(due),
    )
    item.full_clean()
    item.save()
    audit.record(
        actor=actor,
        verb="action_item.add",
        obj=item,
        community_id=topic.community_id,
        after=audit.snapshot(item, ["cluster", "title", "owner", "due", "status"]),
    )
    return item


@transaction.atomic
def action_item_update(
    *, actor: User, item: ActionItem, title: str, owner: str, due: datetime.date | None, status: str
) -> ActionItem:
    """Staff update an action's owner, date or progress during implementation; every change is audited."""
    topic = topic_lock_for_manager(actor, item.topic)
    item = ActionItem.objects.select_for_update().get(pk=item.pk, topic=topic)
    _phase("action_plan", topic, _("行动计划已结束，不能再修改"), "plan_closed")
    if status not in ActionStatus.values:
        raise ValidationFailed(_("请选择进展"), code=Code.BAD_STATUS, extra={"field": "status"})
    fields = ["title", "owner", "due", "status"]
    before = audit.snapshot(item, fields)
    item.title, item.owner, item.due, item.status = _title(title), _owner(owner), _due(due, unchanged=item.due), status
    after = audit.snapshot(item, fields)
    if after == before:
        return item
    item.full_clean()
    item.save(update_fields=[*fields, "updated_at"])
    changed = [f for f in fields if before[f] != after[f]]
    audit.record(
        actor=actor,
        verb="action_item.update",
        obj=item,
        community_id=item.community_id,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return item
