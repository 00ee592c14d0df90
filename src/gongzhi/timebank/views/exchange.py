"""Time bank pages: 邻里互助, the residents' offers and requests (names masked), posting one, and a post with its
agree / confirm / cancel / close buttons. Parse → selector → one service → render."""

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

from gongzhi.core.errors import Duplicate, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, page_context
from gongzhi.places.models import Place
from gongzhi.timebank.models.exchange import ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.selectors import exchange as selectors
from gongzhi.timebank.selectors import skills as skill_selectors
from gongzhi.timebank.services import exchange as exchange_services
from gongzhi.timebank.services.exchange import EXCHANGE_MINUTES_MAX, exchange_agree, post_create

__all__ = [
    "exchange_cancel",
    "exchange_confirm",
    "exchange_list",
    "exchange_new",
    "post_agree",
    "post_close",
    "post_detail",
]

FORM_ERRORS = (ValidationFailed, Duplicate)


@login_required
def exchange_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's open offers and requests, newest first, and my exchanges."""
    actor, community = community_page(request, community_id)
    kind = request.GET.get("kind", "")
    posts = list(selectors.post_list(actor=actor, community=community, kind=kind)[:100])
    return render(
        request,
        "timebank/exchange_list.html",
        page_context(
            request,
            community,
            nav="timebank",
            offers=[p for p in posts if p.kind == PostKind.OFFER],
            requests=[p for p in posts if p.kind == PostKind.REQUEST],
            kind=kind,
            mine=selectors.my_exchanges(actor=actor, community=community),
        ),
    )


class PostForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"),
        choices=PostKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("请选择“我能帮”或“我需要”")},
    )
    service_type = forms.TypedChoiceField(
        label=gettext_lazy("服务类型"),
        coerce=int,
        error_messages={
            "required": gettext_lazy("请选择服务类型"),
            "invalid_choice": gettext_lazy("请选择本社区的服务类型"),
        },
    )
    title = forms.CharField(label=gettext_lazy("标题"), required=False, max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明（时间、地点等）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, types: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["service_type"].choices = [("", "—"), *types]  # type: ignore[attr-defined]


@login_required
def exchange_new(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    types = list(skill_selectors.service_type_list(actor=actor, community=community, active_only=True))
    labels = [
        (t.pk, t.name + (_("（需“%(skill)s”证书）") % {"skill": t.required_skill.name} if t.required_skill else ""))
        for t in types
    ]
    initial = {"kind": request.GET.get("kind") if request.GET.get("kind") in PostKind.values else PostKind.REQUEST}
    form = PostForm(request.POST or None, types=labels, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            service_type = next(t for t in types if t.pk == data["service_type"])
            try:
                post = post_create(
                    actor=actor,
                    kind=data["kind"],
                    service_type=service_type,
                    title=data["title"],
                    description=data["description"],
                )
            except FORM_ERRORS as exc:
                form_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已发布，邻居们可以看到了"))
                return redirect("timebank:post_detail", community_id=community.pk, post_id=post.pk)
    return render(
        request,
        "timebank/exchange_new.html",
        page_context(request, community, nav="timebank", form=form),
        status=status,
    )


class ConfirmForm(forms.Form):
    minutes = forms.IntegerField(
        label=gettext_lazy("服务时长（分钟）"),
        min_value=1,
        max_value=EXCHANGE_MINUTES_MAX,
        error_messages={
            "required": gettext_lazy("请填写服务时长"),
            "invalid": gettext_lazy("服务时长必须是整数分钟"),
            "min_value": gettext_lazy("服务时长至少 1 分钟"),
            "max_value": gettext_lazy("一次确认的服务时长不能超过 %(limit_value)s 分钟"),
        },
    )
    service_date = forms.DateField(
        label=gettext_lazy("服务日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("请填写服务日期"), "invalid": gettext_lazy("服务日期格式不对")},
    )
    content = forms.CharField(label=gettext_lazy("服务内容（可不填）"), required=False, max_length=200)


def _post_page(
    request: HttpRequest,
    actor: User,
    community: Place,
    post: Post,
    confirm_form: ConfirmForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    me = selectors.my_person(actor=actor, community=community)
    exchanges = selectors.post_exchanges(actor=actor, post=post)
    for exchange in exchanges:
        exchange.i_am_helped = me is not None and exchange.helped_id == me.pk  # type: ignore[attr-defined]
        exchange.i_take_part = me is not None and me.pk in (exchange.helper_id, exchange.helped_id)  # type: ignore[attr-defined]
    mine = me is not None and post.person_id == me.pk
    live = [e for e in exchanges if e.status == ExchangeStatus.AGREED]
    return render(
        request,
        "timebank/exchange_post.html",
        page_context(
            request,
            community,
            nav="timebank",
            post=post,
            exchanges=exchanges,
            mine=mine,
            can_agree=post.status == PostStatus.OPEN
            and me is not None
            and not mine
            and not any(me.pk in (e.helper_id, e.helped_id) for e in live),
            can_close=post.status == PostStatus.OPEN and mine,
            confirm_form=confirm_form or ConfirmForm(initial={"service_date": timezone.localdate()}),
            error=error,
        ),
        status=status,
    )


@login_required
def post_detail(request: HttpRequest, community_id: int, post_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    post = selectors.post_get(actor=actor, community=community, id=post_id)
    return _post_page(request, actor, community, post)


def _back(community: Place, post_id: int) -> HttpResponse:
    return redirect("timebank:post_detail", community_id=community.pk, post_id=post_id)


@login_required
@require_POST
def post_agree(request: HttpRequest, community_id: int, post_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    post = selectors.post_get(actor=actor, community=community, id=post_id)
    try:
        exchange_agree(actor=actor, post=post)
    except FORM_ERRORS as exc:
        return _post_page(request, actor, community, post, error=str(exc.message), status=exc.status)
    messages.success(request, _("已约定，请与对方联系；服务完成后由受助的居民确认"))
    return _back(community, post.pk)


@login_required
@require_POST
def post_close(request: HttpRequest, community_id: int, post_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    post = selectors.post_get(actor=actor, community=community, id=post_id)
    try:
        exchange_services.post_close(actor=actor, post=post)
    except FORM_ERRORS as exc:
        return _post_page(request, actor, community, post, error=str(exc.message), status=exc.status)
    messages.success(request, _("已关闭这条互助信息"))
    return _back(community, post.pk)


@login_required
@require_POST
def exchange_confirm(request: HttpRequest, community_id: int, exchange_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    exchange = selectors.exchange_get(actor=actor, community=community, id=exchange_id)
    post = selectors.post_get(actor=actor, community=community, id=exchange.post_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _post_page(request, actor, community, post, confirm_form=form, status=400)
    data = form.cleaned_data
    try:
        exchange_services.exchange_confirm(
            actor=actor,
            exchange=exchange,
            minutes=data["minutes"],
            service_date=data["service_date"],
            content=data["content"],
        )
    except FORM_ERRORS as exc:
        form_error(form, exc)
        return _post_page(request, actor, community, post, confirm_form=form, status=exc.status)
    messages.success(request, _("已确认，服务记录已提交网格员审核，审核通过后对方获得积分"))
    return _back(community, post.pk)


@login_required
@require_POST
def exchange_cancel(request: HttpRequest, community_id: int, exchange_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    exchange = selectors.exchange_get(actor=actor, community=community, id=exchange_id)
    post = selectors.post_get(actor=actor, community=community, id=exchange.post_id)
    try:
        exchange_services.exchange_cancel(actor=actor, exchange=exchange)
    except FORM_ERRORS as exc:
        return _post_page(request, actor, community, post, error=str(exc.message), status=exc.status)
    messages.success(request, _("已取消这次互助"))
    return _back(community, post.pk)
