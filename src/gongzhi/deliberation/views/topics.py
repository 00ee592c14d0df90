"""议事厅 topic pages: the hall, a topic, its ballots and its result; thin views over selectors and one service each."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.files import private_file_response
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, int_param, message_call, page_context
from gongzhi.deliberation import predicates
from gongzhi.deliberation.forms import CommentForm, PaperBallotForm, ProposeForm, PublishForm, VersionForm, VotingForm
from gongzhi.deliberation.models import Choice, Procedure, Status, Topic
from gongzhi.deliberation.selectors import meetings as meeting_selectors
from gongzhi.deliberation.selectors import topics as topics_selectors
from gongzhi.deliberation.selectors.topics import (
    all_comments,
    ballot_get,
    ballot_list,
    elevator_form_floors,
    elevator_view,
    hot_topic,
    live_tally,
    objection_list,
    proposable_places,
    topic_comments,
    topic_get,
    topic_list,
    topic_timeline,
    topic_versions,
)
from gongzhi.deliberation.services.ballot_entry import ballot_enter
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_void
from gongzhi.deliberation.services.elevator import elevator_plan_set, objection_answer, objection_file
from gongzhi.deliberation.services.topics import (
    MEETING_PROCEDURES,
    VOTING_PROCEDURES,
    WINDOWED_PROCEDURES,
    comment_hide,
    comment_post,
    topic_accept,
    topic_decide,
    topic_decline,
    topic_open_voting,
    topic_pin_hot,
    topic_propose,
    topic_publish,
    topic_report,
    topic_start_discussion,
    topic_start_implementing,
    version_add,
)
from gongzhi.deliberation.views import assemblies, cocreation, opinion
from gongzhi.rules import topic_lifecycle as lc

# Procedures with a panel of their own on the topic page: (template part, context function).
PANELS: dict[str, tuple[str, Callable[..., dict[str, Any]]]] = {
    Procedure.COCREATION: ("cocreation", cocreation.panel),
    Procedure.OPINION: ("opinion", opinion.panel),
    **dict.fromkeys((Procedure.COUNCIL, Procedure.VILLAGERS, Procedure.VILLAGE_REPS), ("assemblies", assemblies.panel)),
}


@login_required
def hall(request: HttpRequest, community_id: int) -> HttpResponse:
    """The online 议事厅: this month's hot topic pinned above every topic of the actor's places."""
    actor, community = community_page(request, community_id)
    page = Paginator(topic_list(actor=actor, community=community, status=request.GET.get("status", "")), 20)
    return render(
        request,
        "deliberation/hall.html",
        page_context(
            request,
            community,
            nav="topics",
            hot=hot_topic(actor=actor, community=community, month=timezone.localdate()),
            page=page.get_page(request.GET.get("page")),
            statuses=Status.choices,
        ),
    )


@login_required
def hot_archive(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    return render(
        request,
        "deliberation/hot_archive.html",
        page_context(
            request, community, nav="topics", topics=topics_selectors.hot_archive(actor=actor, community=community)
        ),
    )


@login_required
def propose(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    places = proposable_places(actor=actor, community=community)
    form = ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        place = next((p for p in places if p.pk == form.cleaned_data["place"]), None)
        if place is None:
            raise NotFound()
        # Every refusal, a 403 for a place outside the actor's audience included, is said on the form.
        try:
            topic = topic_propose(
                actor=actor, place=place, title=form.cleaned_data["title"], summary=form.cleaned_data["summary"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("议题已提交，社区审核后列入议程"))
            return redirect("deliberation:topic", community_id=community.pk, topic_id=topic.pk)
    return render(
        request, "deliberation/propose.html", page_context(request, community, nav="topics", form=form, places=places)
    )


def _diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff for residents: ("+", line) added, ("-", line) removed, (" ", line) kept."""
    return [(line[0], line[2:]) for line in difflib.ndiff(old.splitlines(), new.splitlines()) if line[0] in "+- "]


@login_required
def topic_detail(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    versions = topic_versions(topic=topic)
    shown = versions[-1] if versions else None
    if request.GET.get("v", "").isdigit():
        shown = next((v for v in versions if v.number == int(request.GET["v"])), shown)
    previous = next((v for v in versions if shown and v.number == shown.number - 1), None)
    now = timezone.now()
    can_manage = predicates.can_manage_topic(actor, topic)
    part = PANELS.get(topic.procedure)
    elevator = elevator_view(actor=actor, topic=topic) if topic.procedure == Procedure.ELEVATOR else None
    can_revise = lc.phase_allows("revise", topic.status, now) and predicates.can_revise_topic(actor, topic)
    return render(
        request,
        "deliberation/topic.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            timeline=topic_timeline(topic=topic),
            versions=versions,
            shown=shown,
            diff=_diff(previous.body, shown.body) if previous and shown else None,
            previous=previous,
            comments=topic_comments(topic=topic),
            comment_form=CommentForm(),
            can_comment=lc.phase_allows("comment", topic.status, now) and predicates.in_topic_audience(actor, topic),
            elevator=elevator,
            plan_floors=elevator_form_floors(topic=topic, plan=elevator.plan if elevator else None)
            if topic.procedure == Procedure.ELEVATOR and can_manage and can_revise
            else [],
            can_set_coefficients=topic.procedure == Procedure.ELEVATOR
            and predicates.can_set_elevator_coefficients(actor, community),
            can_vote=topic.procedure in VOTING_PROCEDURES
            and lc.phase_allows("vote", topic.status, now, topic.voting_opens_at, topic.voting_closes_at),
            can_revise=can_revise,
            can_manage=can_manage,
            has_window=topic.procedure in WINDOWED_PROCEDURES,
            decided_at_meeting=topic.procedure in MEETING_PROCEDURES,
            panel=part[1](request, actor, topic) if part else None,
            topic_meetings=meeting_selectors.meetings_for_topic(actor=actor, topic=topic),
            panel_template=f"deliberation/_panel_{part[0]}.html" if part else None,
            next_steps=sorted(lc.TRANSITIONS[topic.status]) if can_manage else [],
            publish_form=PublishForm(),
            version_form=VersionForm(),
            voting_form=VotingForm(),
            choices=Choice.choices,
            lifecycle=[(s, label, s == topic.status) for s, label in Status.choices if s != Status.DECLINED],
        ),
    )


@login_required
@require_POST
def topic_comment(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("意见不能为空，且不超过2000字"))
    else:
        versions = {v.pk: v for v in topic_versions(topic=topic)}
        comments = {c.pk: c for c in topic_comments(topic=topic)}
        posted = message_call(
            request,
            comment_post,
            actor=actor,
            topic=topic,
            body=form.cleaned_data["body"],
            version=versions.get(form.cleaned_data.get("version") or 0),
            parent=comments.get(form.cleaned_data.get("parent") or 0),
        )
        if posted is not None:
            messages.success(request, _("意见已发表"))
    return redirect("deliberation:topic", community_id=community.pk, topic_id=topic.pk)


@login_required
@require_POST
def topic_vote(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    try:
        ballot_cast(actor=actor, topic=topic, choice=request.POST.get("choice", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("您的表决已记录"))
    return redirect("deliberation:topic", community_id=community.pk, topic_id=topic.pk)


def _accept(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_accept(actor=actor, topic=topic)


def _decline(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_decline(actor=actor, topic=topic, reason=post.get("reason", ""))


def _publish(actor: User, topic: Topic, post: QueryDict) -> object:
    form = PublishForm(post)
    if not form.is_valid():
        raise ValidationFailed(_("请填写议事规则和方案"))
    data = form.cleaned_data
    return topic_publish(
        actor=actor, topic=topic, procedure=data["procedure"], matter=data["matter"], body=data["body"]
    )


def _start_discussion(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_start_discussion(actor=actor, topic=topic)


def _open_voting(actor: User, topic: Topic, post: QueryDict) -> object:
    form = VotingForm(post)
    if not form.is_valid():
        raise ValidationFailed(_("请填写表决截止时间"))
    return topic_open_voting(actor=actor, topic=topic, closes_at=form.cleaned_data["closes_at"])


def _decide(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_decide(actor=actor, topic=topic, resolution=post.get("resolution", ""))


def _start_implementing(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_start_implementing(actor=actor, topic=topic, note=post.get("note", ""))


def _report(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_report(actor=actor, topic=topic, report=post.get("report", ""))


def _pin_hot(actor: User, topic: Topic, post: QueryDict) -> object:
    return topic_pin_hot(actor=actor, topic=topic, month=timezone.localdate())


def _add_version(actor: User, topic: Topic, post: QueryDict) -> object:
    form = VersionForm(post)
    if not form.is_valid():
        raise ValidationFailed(_("请填写新方案和修改说明"))
    data = form.cleaned_data
    return version_add(actor=actor, topic=topic, body=data["body"], change_note=data["change_note"])


def _set_elevator_plan(actor: User, topic: Topic, post: QueryDict) -> object:
    # One field per floor (coef_1 … coef_n); a blank one is left out so the service names the missing floor.
    typed = {int(k[5:]): str(post.get(k, "")).strip() for k in post if k.startswith("coef_") and k[5:].isdigit()}
    coefficients = {floor: value for floor, value in typed.items() if value}
    days = post.get("publicity_days", "10")
    return elevator_plan_set(
        actor=actor,
        topic=topic,
        total_yuan=post.get("total_yuan", ""),
        coefficients=coefficients or None,
        publicity_days=int(days) if days.isdigit() else 0,
    )


def _file_objection(actor: User, topic: Topic, post: QueryDict) -> object:
    return objection_file(actor=actor, topic=topic, body=post.get("body", ""))


def _answer_objection(actor: User, topic: Topic, post: QueryDict) -> object:
    objection = objection_list(topic=topic).filter(pk=post.get("objection") or 0).first()
    if objection is None:
        raise NotFound()
    return objection_answer(actor=actor, objection=objection, answer=post.get("answer", ""))


def _hide_comment(actor: User, topic: Topic, post: QueryDict) -> object:
    comment = next((c for c in all_comments(topic=topic) if str(c.pk) == post.get("comment")), None)
    if comment is None:
        raise NotFound()
    return comment_hide(actor=actor, comment=comment, reason=post.get("reason", ""))


# The topic page's buttons: the URL's `step` slug → what it does (parse the POST, call one service). Templates and
# tests post to these slugs; an unknown one is a 404.
TOPIC_STEPS: dict[str, Callable[[User, Topic, QueryDict], object]] = {
    "accept": _accept,
    "decline": _decline,
    "publish": _publish,
    "discussion": _start_discussion,
    "voting": _open_voting,
    "decide": _decide,
    "implementing": _start_implementing,
    "report": _report,
    "pin": _pin_hot,
    "version": _add_version,
    "plan": _set_elevator_plan,
    "object": _file_objection,
    "answer": _answer_objection,
    "hide": _hide_comment,
}
# Steps the topic's audience may take too; every other step is for its managers (the service checks again).
AUDIENCE_STEPS = {"version", "object"}


@login_required
@require_POST
def topic_step(request: HttpRequest, community_id: int, topic_id: int, step: str) -> HttpResponse:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if step not in AUDIENCE_STEPS and not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied()
    try:
        action = TOPIC_STEPS.get(step)
        if action is None:
            raise NotFound()
        action(actor, topic, request.POST)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已保存"))
    return redirect("deliberation:topic", community_id=community.pk, topic_id=topic.pk)


@login_required
def topic_ballots(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff enter paper and proxy ballots, and void one with a reason."""
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied()
    initial = {"serial_no": request.GET.get("serial", ""), "token": request.GET.get("t", "")}
    form = PaperBallotForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and request.POST.get("void"):
        # A tampered id is no ballot of this topic (404), never a 500.
        ballot = ballot_list(actor=actor, topic=topic).filter(pk=int_param(request.POST["void"]) or 0).first()
        if ballot is None:
            raise NotFound()
        try:
            ballot_void(actor=actor, ballot=ballot, reason=request.POST.get("reason", ""))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("表决票已作废"))
        return redirect("deliberation:ballots", community_id=community.pk, topic_id=topic.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Every refusal, an ID number with no owner (404) included, is said on the form.
        try:
            ballot_enter(
                actor=actor,
                topic=topic,
                channel=request.POST.get("channel", ""),
                serial=data["serial_no"],
                token=data["token"],
                id_number=data["id_number"],
                choice=data["choice"],
                proxy_name=data["proxy_name"],
                evidence=data["evidence"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("表决票已录入"))
            return redirect("deliberation:ballots", community_id=community.pk, topic_id=topic.pk)
    return render(
        request,
        "deliberation/ballots.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            form=form,
            ballots=ballot_list(actor=actor, topic=topic)[:200],
        ),
    )


@login_required
@require_GET
def ballot_evidence(request: HttpRequest, community_id: int, topic_id: int, ballot_id: int) -> HttpResponseBase:
    """A ballot's scan or written authorisation, to those who may enter and void the topic's ballots: a resident
    who sees the topic is refused (403), a ballot or topic they cannot see is a 404. Always a download."""
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有议题的组织者可以查看表决票的扫描件和委托书"))
    ballot = ballot_get(actor=actor, topic=topic, ballot_id=ballot_id)
    if not ballot.evidence:
        raise NotFound()
    return private_file_response(ballot.evidence, name=f"ballot-{topic.pk}-{ballot.pk}")


@login_required
def topic_result(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Every threshold with its exact figures; decided topics show the tally kept at the decision."""
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if topic.procedure in MEETING_PROCEDURES:
        return assemblies.result(request, community, topic)
    if topic.procedure not in VOTING_PROCEDURES:
        raise NotFound()
    live = None if topic.result else live_tally(topic=topic)
    elevator = elevator_view(actor=actor, topic=topic) if topic.procedure == Procedure.ELEVATOR else None
    # An elevator result becomes final only when its 公示 has closed: the page says which, from `elevator`.
    return render(
        request,
        "deliberation/result.html",
        page_context(request, community, nav="topics", topic=topic, result=topic.result or live, elevator=elevator),
    )
