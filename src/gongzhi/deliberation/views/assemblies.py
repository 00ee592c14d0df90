"""Pages of decisions taken at a meeting: the topic panel, the rosters of 议事会 and 村民代表会议, the vote entry of
a resolution, and the results page. Each POST parses, selects and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import attempt, community_page, message_call, page_context
from gongzhi.deliberation import predicates
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import BodyKind, Choice, MeetingStatus, MemberRole, Status, Topic
from gongzhi.deliberation.selectors import assemblies as assemblies_selectors
from gongzhi.deliberation.selectors.assemblies import (
    body_get,
    body_members,
    body_rules,
    person_by_id_number,
    resolution_figures,
    resolution_get,
    resolution_history,
    resolution_votes,
    topic_meetings,
    topic_resolution,
)
from gongzhi.deliberation.selectors.topics import topic_get
from gongzhi.deliberation.services.assemblies import (
    body_create,
    body_member_add,
    body_member_end,
    body_set_rules,
    member_vote_void,
    member_votes_record,
    resolution_create,
    vote_count_record,
    vote_count_void,
)
from gongzhi.deliberation.services.topics import MEETING_PROCEDURES
from gongzhi.places.models import Place, PlaceKind
from gongzhi.rules import assembly

__all__ = [
    "BodyForm",
    "CountForm",
    "EndForm",
    "MemberForm",
    "ResolutionForm",
    "RulesForm",
    "body_detail",
    "body_list",
    "panel",
    "resolution_detail",
    "resolution_new",
    "result",
]

# A council's rules of procedure, offered as the shares people use (the law's 过半数 and 三分之二以上, and 3/4).
SHARES: dict[str, tuple[Any, assembly.Share]] = {
    "half": (gettext_lazy("过半数"), assembly.MORE_THAN_HALF),
    "two_thirds": (gettext_lazy("三分之二以上"), assembly.AT_LEAST_TWO_THIRDS),
    "three_quarters": (gettext_lazy("四分之三以上"), assembly.Share(Fraction(3, 4), strict=False)),
}
SHARE_CHOICES = [(key, label) for key, (label, _share) in SHARES.items()]


class BodyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=BodyKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), required=False, strip=False)


class MemberForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("成员身份证号"), max_length=18)
    role = forms.ChoiceField(label=gettext_lazy("职务"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    since = forms.DateField(label=gettext_lazy("任职起始"), required=False)


class EndForm(forms.Form):
    member = forms.IntegerField()
    until = forms.DateField(label=gettext_lazy("任职终止"))
    reason = forms.CharField(label=gettext_lazy("终止原因"), required=False, strip=False)


class RulesForm(forms.Form):
    quorum = forms.ChoiceField(label=gettext_lazy("出席人数（占全体成员）"), choices=SHARE_CHOICES)
    majority = forms.ChoiceField(label=gettext_lazy("同意人数（占出席成员）"), choices=SHARE_CHOICES)


class ResolutionForm(forms.Form):
    meeting = forms.IntegerField()
    text = forms.CharField(label=gettext_lazy("决议事项"), required=False, strip=False)


class CountForm(forms.Form):
    agree = forms.IntegerField(label=gettext_lazy("同意"), min_value=0)
    disagree = forms.IntegerField(label=gettext_lazy("反对"), min_value=0)
    abstain = forms.IntegerField(label=gettext_lazy("弃权"), min_value=0)


def _share_key(share: assembly.Share) -> str:
    return next((key for key, (_label, s) in SHARES.items() if s == share), "half")


# ------------------------------------------------------------------------------------------ topic panel


def _resolution_rows(topic: Topic) -> list[dict[str, Any]]:
    meetings = topic_meetings(topic=topic)
    rows = []
    for meeting in meetings:
        resolutions = [(r, resolution_figures(r)) for r in meeting.resolutions.all()]
        rows.append({"meeting": meeting, "resolutions": resolutions})
    return rows


def panel(request: HttpRequest, actor: User, topic: Topic) -> dict[str, Any]:
    """The context of this procedure's panel on the topic page (template deliberation/_panel_assemblies.html)."""
    can_manage = predicates.can_manage_topic(actor, topic)
    rows = _resolution_rows(topic)
    held = [row["meeting"] for row in rows if row["meeting"].status == MeetingStatus.HELD]
    decidable = any(f.recorded for row in rows for _r, f in row["resolutions"])
    return {
        "meetings": rows,
        "held_meetings": held,
        "can_manage_assembly": can_manage,
        "can_decide": can_manage and topic.status == Status.DISCUSSION and decidable,
        "frozen": topic.result if topic.status in (Status.DECIDED, Status.IMPLEMENTING, Status.REPORTED) else None,
        "resolution_form": ResolutionForm(),
    }


@login_required
@require_POST
def resolution_new(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if topic.procedure not in MEETING_PROCEDURES:
        raise NotFound()
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以记录会议表决"))
    form = ResolutionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择已召开的会议并填写决议事项"))
        return redirect(reverse("deliberation:topic", args=[community.pk, topic.pk]) + "#assembly")
    meeting = next((m for m in topic_meetings(topic=topic) if m.pk == form.cleaned_data["meeting"]), None)
    if meeting is None:
        raise NotFound()
    made = message_call(
        request, resolution_create, actor=actor, meeting=meeting, text=form.cleaned_data["text"], topic=topic
    )
    if made is not None:
        messages.success(request, _("决议事项已登记，请记录表决"))
        return redirect("deliberation:assembly_resolution", community_id=community.pk, resolution_id=made.pk)
    return redirect(reverse("deliberation:topic", args=[community.pk, topic.pk]) + "#assembly")


# ---------------------------------------------------------------------------------------------- rosters


def _bodies_staff(request: HttpRequest, community_id: int) -> tuple[User, Place]:
    actor, community = community_page(request, community_id)
    if not predicates.can_manage_bodies(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以维护议事机构"))
    return actor, community


@login_required
def body_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Staff page: the community's 议事会 and 村民代表会议, and setting one up."""
    actor, community = _bodies_staff(request, community_id)
    form = BodyForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            made = message_call(
                request, body_create, actor=actor, place=community, kind=data["kind"], name=data["name"]
            )
            if made is not None:
                messages.success(request, _("议事机构已设立"))
                return redirect("deliberation:assembly_body", community_id=community.pk, body_id=made.pk)
        else:
            messages.error(request, _("请选择议事机构类别"))
        return redirect("deliberation:assembly_bodies", community_id=community.pk)
    return render(
        request,
        "deliberation/assembly_bodies.html",
        page_context(
            request,
            community,
            nav="topics",
            bodies=list(assemblies_selectors.body_list(actor=actor, community=community)),
            form=form,
            is_village=community.kind == PlaceKind.VILLAGE,
        ),
    )


def _body_write(actor: User, community: Place, body: Any, post: Any) -> tuple[Callable[[], Any], str]:
    op = post.get("op", "")
    if op == "add":
        form = MemberForm(post)
        if not form.is_valid():
            raise ValidationFailed(_("请填写成员的身份证号"), code=Code.BAD_MEMBER)
        data = form.cleaned_data
        person = person_by_id_number(actor=actor, community=community, id_number=data["id_number"])
        if person is None:
            raise ValidationFailed(_("本社区没有登记该身份证号的居民"), code=Code.NO_PERSON)
        return (
            lambda: body_member_add(actor=actor, body=body, person=person, role=data["role"], since=data.get("since")),
            _("成员已登记"),
        )
    if op == "end":
        end = EndForm(post)
        if not end.is_valid():
            raise ValidationFailed(_("请填写任职终止日期"), code=Code.BAD_UNTIL)
        member = next((m for m in body_members(body=body) if m.pk == end.cleaned_data["member"]), None)
        if member is None:
            raise NotFound()
        return (
            lambda: body_member_end(
                actor=actor, member=member, until=end.cleaned_data["until"], reason=end.cleaned_data["reason"]
            ),
            _("任期已终止"),
        )
    if op == "rules":
        rules = RulesForm(post)
        if not rules.is_valid():
            raise ValidationFailed(_("请选择议事规则"), code=Code.BAD_RULES)
        quorum, majority = SHARES[rules.cleaned_data["quorum"]][1], SHARES[rules.cleaned_data["majority"]][1]
        return (
            lambda: body_set_rules(actor=actor, body=body, quorum=quorum, majority=majority),
            _("议事规则已保存"),
        )
    raise NotFound()


@login_required
def body_detail(request: HttpRequest, community_id: int, body_id: int) -> HttpResponse:
    """Staff page: a body's roster (serving and past terms) and, for a council, its rules of procedure."""
    actor, community = community_page(request, community_id)
    body = body_get(actor=actor, community=community, body_id=body_id)
    if request.method == "POST":
        try:
            write, done = _body_write(actor, community, body, request.POST)
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
        else:
            attempt(request, write, done)
        return redirect("deliberation:assembly_body", community_id=community.pk, body_id=body.pk)
    quorum, majority = body_rules(body)
    members = body_members(body=body)
    return render(
        request,
        "deliberation/assembly_body.html",
        page_context(
            request,
            community,
            nav="topics",
            body=body,
            members=members,
            serving=sum(1 for m in members if m.until is None),
            member_form=MemberForm(),
            rules_form=RulesForm(initial={"quorum": _share_key(quorum), "majority": _share_key(majority)}),
            quorum=quorum,
            majority=majority,
            is_council=body.kind == BodyKind.COUNCIL,
        ),
    )


# ------------------------------------------------------------------------------------------ vote entry


def _parse_votes(post: Any) -> dict[int, str]:
    votes = {}
    for key, value in post.items():
        if key.startswith("vote_") and key[5:].isdigit() and value:
            votes[int(key[5:])] = value
    return votes


def _resolution_write(actor: User, resolution: Any, post: Any) -> tuple[Callable[[], Any], str]:
    op = post.get("op", "")
    if op == "votes":
        votes = _parse_votes(post)
        return lambda: member_votes_record(actor=actor, resolution=resolution, votes=votes), _("表决已记录")
    if op == "void":
        vote = next((v for v in resolution_votes(resolution=resolution) if str(v.pk) == post.get("vote")), None)
        if vote is None:
            raise NotFound()
        reason = post.get("reason", "")
        return lambda: member_vote_void(actor=actor, vote=vote, reason=reason), _("该表决记录已作废")
    if op == "count":
        form = CountForm(post)
        if not form.is_valid():
            raise ValidationFailed(_("票数应为不小于0的整数"), code=Code.BAD_COUNT)
        data = form.cleaned_data
        return (
            lambda: vote_count_record(
                actor=actor,
                resolution=resolution,
                agree=data["agree"],
                disagree=data["disagree"],
                abstain=data["abstain"],
            ),
            _("表决结果已录入"),
        )
    if op == "void_count":
        count = next((c for c in resolution_history(resolution=resolution) if str(c.pk) == post.get("count")), None)
        if count is None:
            raise NotFound()
        reason = post.get("reason", "")
        return lambda: vote_count_void(actor=actor, count=count, reason=reason), _("该表决记录已作废")
    raise NotFound()


@login_required
def resolution_detail(request: HttpRequest, community_id: int, resolution_id: int) -> HttpResponse:
    """Staff page: who of the serving members signed in, their recorded votes (or a villagers' meeting's counts),
    the live quorum and majority lines, and the history of voided entries."""
    actor, community = community_page(request, community_id)
    resolution = resolution_get(actor=actor, community=community, resolution_id=resolution_id)
    if request.method == "POST":
        try:
            write, done = _resolution_write(actor, resolution, request.POST)
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
        else:
            attempt(request, write, done)
        return redirect("deliberation:assembly_resolution", community_id=community.pk, resolution_id=resolution.pk)
    figures = resolution_figures(resolution)
    villagers = resolution.kind == assembly.VILLAGERS
    rows = [
        {"member": m, "present": m.pk in figures.present_ids, "vote": figures.votes.get(m.pk)} for m in figures.members
    ]
    frozen = resolution.topic is not None and resolution.topic.status in (
        Status.DECIDED,
        Status.IMPLEMENTING,
        Status.REPORTED,
    )
    return render(
        request,
        "deliberation/assembly_resolution.html",
        page_context(
            request,
            community,
            nav="topics",
            resolution=resolution,
            meeting=resolution.meeting,
            figures=figures,
            rows=rows,
            villagers=villagers,
            voided=[v for v in resolution_votes(resolution=resolution) if v.voided_at] if not villagers else [],
            history=resolution_history(resolution=resolution) if villagers else [],
            count_form=CountForm(),
            choices=Choice.choices,
            editable=not frozen,
        ),
    )


# --------------------------------------------------------------------------------------------- results


def result(request: HttpRequest, community: Any, topic: Topic) -> HttpResponse:
    """The results page of a topic decided at a meeting: quorum and majority with their exact figures, frozen at
    the decision; before it, the live figures of the resolution it would be decided by."""
    live = None
    if not topic.result:
        resolution = topic_resolution(topic=topic)
        if resolution is not None:
            live = resolution_figures(resolution).as_json(resolution)
    return render(
        request,
        "deliberation/assembly_result.html",
        page_context(request, community, nav="topics", topic=topic, result=topic.result or live, live=live is not None),
    )
