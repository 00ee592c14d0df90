"""民意征集 opinion-map pages: answering statements one card at a time, the map, moderation and paper entry.

Plain forms work without JavaScript; with htmx the answer card swaps in place.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, page_context, refusal
from gongzhi.deliberation import predicates
from gongzhi.deliberation.models import Procedure, StatementStatus, Topic
from gongzhi.deliberation.selectors.opinion import (
    opinion_map_view,
    opinion_panel,
    questionnaire_person,
    statement_get,
    statement_list,
)
from gongzhi.deliberation.selectors.topics import topic_get
from gongzhi.deliberation.services.opinion import questionnaire_enter, statement_add, statement_moderate, statement_vote
from gongzhi.places.models import Place
from gongzhi.rules import topic_lifecycle as lc

__all__ = [
    "QuestionnaireForm",
    "StatementForm",
    "opinion_answer",
    "opinion_map",
    "opinion_moderate",
    "opinion_paper",
    "opinion_statement",
    "opinion_vote",
    "panel",
]

# Group colours of the map and its legend, readable on white and for the common colour-vision deficiencies.
COLOURS = ["#1f6fb2", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b"]


class StatementForm(forms.Form):
    # No max_length here: the service refuses overlong text with its own message and code.
    text = forms.CharField(label=gettext_lazy("我的观点"), widget=forms.Textarea(attrs={"rows": 2, "maxlength": 140}))


class QuestionnaireForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("居民身份证号"), max_length=20)
    sheet_no = forms.CharField(label=gettext_lazy("问卷编号"), max_length=40, required=False)


def _topic(request: HttpRequest, community_id: int, topic_id: int) -> tuple[User, Place, Topic]:
    actor, community = community_page(request, community_id)
    topic = topic_get(actor=actor, community=community, topic_id=topic_id)
    if topic.procedure != Procedure.OPINION:
        raise NotFound()
    return actor, community, topic


def panel(request: HttpRequest, actor: User, topic: Topic) -> dict[str, Any]:
    """The context of this procedure's panel on the topic page (template deliberation/_panel_opinion.html)."""
    now = timezone.now()
    audience = predicates.in_topic_audience(actor, topic)
    manage = predicates.can_manage_topic(actor, topic)
    return {
        "op": opinion_panel(actor=actor, topic=topic),
        "can_opine": audience and lc.phase_allows("opine", topic.status, now),
        "can_add": (audience or manage) and lc.phase_allows("statement", topic.status, now),
        "can_moderate": manage,
        "statement_form": StatementForm(),
        "stances": [("agree", _("同意")), ("disagree", _("不同意")), ("pass", _("跳过"))],
    }


def _id(raw: str) -> int:
    """A posted id; anything that is not one (or would overflow a bigint) is 0, which matches nothing."""
    return int(raw) if raw.isdigit() and len(raw) <= 18 else 0


def _back(request: HttpRequest, community: Place, topic: Topic) -> HttpResponse:
    name = "deliberation:topic" if request.POST.get("next") == "topic" else "deliberation:opinion"
    return redirect(name, community_id=community.pk, topic_id=topic.pk)


@login_required
def opinion_answer(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """One statement card at a time, the progress, and the form to add a statement."""
    actor, community, topic = _topic(request, community_id, topic_id)
    return render(
        request,
        "deliberation/opinion_answer.html",
        page_context(request, community, nav="topics", topic=topic, **panel(request, actor, topic)),
    )


@login_required
@require_POST
def opinion_vote(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community, topic = _topic(request, community_id, topic_id)
    statement = statement_get(topic=topic, statement_id=_id(request.POST.get("statement", "")))
    try:
        statement_vote(actor=actor, statement=statement, stance=request.POST.get("stance", ""))
    except ApplicationError as exc:
        messages.error(request, refusal(exc))
    if request.headers.get("HX-Request"):
        return render(
            request,
            "deliberation/opinion_card.html",
            page_context(
                request,
                community,
                nav="topics",
                topic=topic,
                back=request.POST.get("next", ""),
                **panel(request, actor, topic),
            ),
        )
    return _back(request, community, topic)


@login_required
@require_POST
def opinion_statement(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    actor, community, topic = _topic(request, community_id, topic_id)
    try:
        statement = statement_add(actor=actor, topic=topic, text=request.POST.get("text", ""))
    except ApplicationError as exc:
        messages.error(request, refusal(exc))
    else:
        if statement.status == StatementStatus.APPROVED:
            messages.success(request, _("观点已发布"))
        else:
            messages.success(request, _("观点已提交，审核通过后大家就能作答"))
    return _back(request, community, topic)


@login_required
def opinion_map(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """The opinion groups, what each thinks, what most groups agree on, and where the viewer stands."""
    actor, community, topic = _topic(request, community_id, topic_id)
    view = opinion_map_view(actor=actor, topic=topic)
    groups = [{**g, "colour": COLOURS[g["index"] % len(COLOURS)]} for g in view.summary["groups"]]
    people = _("%(n)s 人")
    return render(
        request,
        "deliberation/opinion_map.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            map=view,
            summary=view.summary,
            groups=groups,
            # One gettext for all dots: a translate tag per dot was most of the page's time at 700 dots.
            points=[
                (x, y, COLOURS[g % len(COLOURS)] if g >= 0 else "#b8b8b8", n, r, people % {"n": n})
                for x, y, g, n, r in view.summary["points"]
            ],
            my_colour=COLOURS[view.my_group["index"] % len(COLOURS)] if view.my_group else "",
        ),
    )


@login_required
def opinion_moderate(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff approve or reject residents' statements (a rejection states its reason to the author) and seed
    statements of their own."""
    actor, community, topic = _topic(request, community_id, topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以审核观点"))
    if request.method == "POST":
        try:
            if request.POST.get("seed") is not None:
                statement_add(actor=actor, topic=topic, text=request.POST.get("text", ""))
            else:
                statement = statement_get(topic=topic, statement_id=_id(request.POST.get("statement", "")))
                statement_moderate(
                    actor=actor,
                    statement=statement,
                    approve=request.POST.get("decision") == "approve",
                    reason=request.POST.get("reason", ""),
                )
        except ApplicationError as exc:
            messages.error(request, refusal(exc))
        else:
            messages.success(request, _("已保存"))
        return redirect("deliberation:opinion_moderate", community_id=community.pk, topic_id=topic.pk)
    statements = list(statement_list(topic=topic))
    return render(
        request,
        "deliberation/opinion_moderate.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            pending=[s for s in statements if s.status == StatementStatus.PENDING],
            approved=[s for s in statements if s.status == StatementStatus.APPROVED],
            rejected=[s for s in statements if s.status == StatementStatus.REJECTED],
            can_edit=lc.phase_allows("statement", topic.status, timezone.now()),
            statement_form=StatementForm(),
        ),
    )


@login_required
def opinion_paper(request: HttpRequest, community_id: int, topic_id: int) -> HttpResponse:
    """Staff enter a resident's paper questionnaire (坝坝会, door-to-door): found by ID number, answers per
    statement; counted as that resident's, audited as entered on their behalf."""
    actor, community, topic = _topic(request, community_id, topic_id)
    if not predicates.can_manage_topic(actor, topic):
        raise PermissionDenied(_("只有社区工作人员可以录入纸质问卷"))
    statements = [s for s in statement_list(topic=topic) if s.status == StatementStatus.APPROVED]
    form = QuestionnaireForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = questionnaire_person(actor=actor, topic=topic, id_number=form.cleaned_data["id_number"])
        answers = {s.pk: request.POST.get(f"s{s.pk}", "") for s in statements}
        try:
            if person is None:
                raise NotFound(_("本社区没有登记该身份证号的居民"))
            questionnaire_enter(
                actor=actor, topic=topic, person=person, answers=answers, sheet_no=form.cleaned_data["sheet_no"]
            )
        except ApplicationError as exc:
            if isinstance(exc, PermissionDenied) and exc.code == "forbidden":
                raise
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("问卷已录入"))
            return redirect("deliberation:opinion_paper", community_id=community.pk, topic_id=topic.pk)
    return render(
        request,
        "deliberation/opinion_paper.html",
        page_context(
            request,
            community,
            nav="topics",
            topic=topic,
            form=form,
            statements=statements,
            can_enter=lc.phase_allows("opine", topic.status, timezone.now()),
            stances=[("agree", _("同意")), ("disagree", _("不同意")), ("pass", _("跳过"))],
        ),
    )
