"""团队共创 pages: the panel on the topic page (ideas, dots, ranking, plan) and two staff pages, the board (settings,
offline ideas, clusters, grouping, hiding) and the action plan. Each POST parses, selects and calls one service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import attempt, community_page, page_context
from gongzhi.deliberation import predicates
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import ActionStatus, Procedure, Status, Topic
from gongzhi.deliberation.selectors import cocreation as cocreation_selectors
from gongzhi.deliberation.selectors.cocreation import action_item_get, cluster_get, idea_get
from gongzhi.deliberation.selectors.topics import topic_get
from gongzhi.deliberation.services import cocreation as cocreation_services
from gongzhi.deliberation.services.cocreation import (
    IDEA_MAX_LENGTH,
    action_item_add,
    action_item_update,
    cluster_create,
    cluster_rename,
    cocreation_configure,
    dot_spend,
    dot_take_back,
    idea_assign,
    idea_hide,
)
from gongzhi.places.models import Place
from gongzhi.rules import dot_vote
from gongzhi.rules import topic_lifecycle as lc


class IdeaForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("您的想法"), required=False, strip=False)
    on_behalf_of = forms.CharField(label=gettext_lazy("提出人（线下收集时填写）"), required=False)


class SettingsForm(forms.Form):
    dots_per_person = forms.IntegerField(label=gettext_lazy("每人点数"), initial=dot_vote.DEFAULT_DOTS)
    max_per_cluster = forms.IntegerField(label=gettext_lazy("每个类别每人最多点数（可不填）"), required=False)
    top = forms.IntegerField(label=gettext_lazy("进入行动计划的类别数"), initial=dot_vote.DEFAULT_TOP)


class ActionItemForm(forms.Form):
    cluster = forms.IntegerField(required=False)
    title = forms.CharField(label=gettext_lazy("行动"), required=False)
    owner = forms.CharField(label=gettext_lazy("负责人"), required=False)
    due = forms.DateField(label=gettext_lazy("完成期限"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("进展"), choices=ActionStatus.choices, required=False)


def _topic(request: HttpRequest, community_id: int, topic_id: int) -> tuple[User, Place, Topic]:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if topic.procedure != Procedure.COCREATION:
        raise NotFound()
    return actor, community, topic


def _staff(request: HttpRequest, community_id: int, topic_id: int) -> tuple[User, Place, Topic]:
    actor, community, topic = _topic(request, community_id, topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以整理团队共创"))
    return actor, community, topic


def _topic_url(community: Place, topic: Topic) -> str:
    return reverse("deliberation:topic", args=[community.pk, topic.pk]) + "#cocreation"


def panel(request: HttpRequest, actor: User, topic: Topic) -> dict[str, Any]:
    """The context of this procedure's panel on the topic page (template deliberation/_panel_cocreation.html)."""
    now = timezone.now()
    board = cocreation_selectors.cocreation_board(actor=actor, topic=topic)
    in_audience = predicates.in_topic_audience(actor, topic)
    can_manage = predicates.can_manage_topic(actor, topic)
    return {
        "board": board,
        "can_idea": lc.phase_allows("idea", topic.status, now) and (in_audience or can_manage),
        "can_dot": in_audience
        and lc.phase_allows("dot", topic.status, now, topic.voting_opens_at, topic.voting_closes_at),
        "can_manage_cocreation": can_manage,
        "idea_max": IDEA_MAX_LENGTH,
        "idea_form": IdeaForm(),
    }


@login_required
@require_POST
def idea_add(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community, topic = _topic(request, community_id, topic_id)
    form = IdeaForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    attempt(
        request,
        lambda: cocreation_services.idea_add(
            actor=actor, topic=topic, body=data.get("body", ""), on_behalf_of=data.get("on_behalf_of", "")
        ),
        _("想法已提交"),
    )
    if data.get("on_behalf_of"):
        return redirect("deliberation:cocreation_board", community_id=community.pk, topic_id=topic.pk)
    return redirect(_topic_url(community, topic))


@login_required
@require_POST
def dot(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Spends one dot on a cluster, or takes one back (op=take)."""
    actor, community, topic = _topic(request, community_id, topic_id)
    cluster = cluster_get(topic=topic, cluster_id=request.POST.get("cluster", ""))
    if request.POST.get("op") == "take":
        attempt(request, lambda: dot_take_back(actor=actor, topic=topic, cluster=cluster), _("已收回一个点"))
    else:
        attempt(request, lambda: dot_spend(actor=actor, topic=topic, cluster=cluster), _("已投一个点"))
    return redirect(_topic_url(community, topic))


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None


def _board_write(actor: User, topic: Topic, post: Any) -> tuple[Callable[[], Any], str]:
    op = post.get("op", "")
    if op == "settings":
        form = SettingsForm(post)
        if not form.is_valid():
            raise ValidationFailed(_("点数请填写整数"), code=Code.BAD_SETTINGS)
        data = form.cleaned_data
        return (
            lambda: cocreation_configure(
                actor=actor,
                topic=topic,
                dots_per_person=data["dots_per_person"],
                max_per_cluster=_int_or_none(data.get("max_per_cluster")),
                top=data["top"],
            ),
            _("设置已保存"),
        )
    if op == "cluster":
        return lambda: cluster_create(actor=actor, topic=topic, name=post.get("name", "")), _("类别已添加")
    if op == "rename":
        cluster = cluster_get(topic=topic, cluster_id=post.get("cluster", ""))
        return lambda: cluster_rename(actor=actor, cluster=cluster, name=post.get("name", "")), _("已改名")
    if op == "assign":
        idea = idea_get(topic=topic, idea_id=post.get("idea", ""))
        target = post.get("cluster", "")
        into = cluster_get(topic=topic, cluster_id=target) if target else None
        return lambda: idea_assign(actor=actor, idea=idea, cluster=into), _("已归类")
    if op == "hide":
        idea = idea_get(topic=topic, idea_id=post.get("idea", ""))
        return lambda: idea_hide(actor=actor, idea=idea, reason=post.get("reason", "")), _("想法已隐藏")
    raise NotFound()


@login_required
def board(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff page: the session's settings, ideas collected offline, clusters and which idea goes where."""
    actor, community, topic = _staff(request, community_id, topic_id)
    if request.method == "POST":
        try:
            write, done = _board_write(actor, topic, request.POST)
        except ValidationFailed as exc:
            messages.error(request, str(exc.message))
        else:
            attempt(request, write, done)
        return redirect("deliberation:cocreation_board", community_id=community.pk, topic_id=topic.pk)
    data = cocreation_selectors.cocreation_board(actor=actor, topic=topic)
    now = timezone.now()
    session = data.session
    return render(
        request,
        "deliberation/cocreation_board.html",
        {
            **page_context(request, community),
            "nav": "topics",
            "topic": topic,
            "board": data,
            "settings_open": topic.status in (Status.PUBLISHED, Status.DISCUSSION),
            "settings_form": SettingsForm(
                initial={
                    "dots_per_person": session.dots_per_person,
                    "max_per_cluster": session.max_per_cluster,
                    "top": session.top,
                }
            ),
            "can_cluster": lc.phase_allows("cluster", topic.status, now),
            "can_idea": lc.phase_allows("idea", topic.status, now),
            "idea_max": IDEA_MAX_LENGTH,
        },
    )


@login_required
def plan(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff page: the top clusters become actions with an owner and a date; progress is updated here."""
    actor, community, topic = _staff(request, community_id, topic_id)
    if request.method == "POST":
        form = ActionItemForm(request.POST)
        valid = form.is_valid()
        data = form.cleaned_data
        if not valid and "due" in form.errors:
            messages.error(request, _("完成期限的日期格式不对"))
        elif request.POST.get("item"):
            item = action_item_get(topic=topic, item_id=request.POST["item"])
            attempt(
                request,
                lambda: action_item_update(
                    actor=actor,
                    item=item,
                    title=data.get("title", ""),
                    owner=data.get("owner", ""),
                    due=data.get("due"),
                    status=data.get("status") or item.status,
                ),
                _("已保存"),
            )
        else:
            cluster_id = data.get("cluster")
            cluster = cluster_get(topic=topic, cluster_id=cluster_id) if cluster_id else None
            attempt(
                request,
                lambda: action_item_add(
                    actor=actor,
                    topic=topic,
                    cluster=cluster,
                    title=data.get("title", ""),
                    owner=data.get("owner", ""),
                    due=data.get("due"),
                ),
                _("行动已加入计划"),
            )
        return redirect("deliberation:cocreation_plan", community_id=community.pk, topic_id=topic.pk)
    data_board = cocreation_selectors.cocreation_board(actor=actor, topic=topic)
    return render(
        request,
        "deliberation/cocreation_plan.html",
        {
            **page_context(request, community),
            "nav": "topics",
            "topic": topic,
            "board": data_board,
            "can_plan": lc.phase_allows("action_plan", topic.status, timezone.now()),
            "statuses": ActionStatus.choices,
            "today": timezone.localdate(),
        },
    )
