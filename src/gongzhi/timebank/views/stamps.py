"""Time bank pages: 公益集章打卡 — the trails with my card's progress (staff also set up trails and service points),
what a poster's QR opens (GET asks, POST stamps), and the printable poster (staff)."""

from __future__ import annotations

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

from gongzhi.core.errors import Duplicate, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, page_context
from gongzhi.core.qr import qr_svg
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.timebank import predicates
from gongzhi.timebank.models.stamps import Stamp
from gongzhi.timebank.predicates import can_run_stamps
from gongzhi.timebank.selectors import exchange as exchange_selectors
from gongzhi.timebank.selectors import skills as skill_selectors
from gongzhi.timebank.selectors import stamps as selectors
from gongzhi.timebank.services import stamps as stamps_services
from gongzhi.timebank.services.stamps import STAMPS_MAX, TRAIL_POINTS_MAX, stamp_point_create, trail_create

__all__ = [
    "point_new",
    "stamp_list",
    "stamp_poster",
    "stamp_scan",
    "trail_close",
    "trail_new",
]

FORM_ERRORS = (ValidationFailed, Duplicate)


class TrailForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("集章活动"), required=False, max_length=100)
    stamps_required = forms.IntegerField(
        label=gettext_lazy("集满章数"),
        min_value=1,
        max_value=STAMPS_MAX,
        initial=10,
        error_messages={
            "required": gettext_lazy("请填写集满章数"),
            "invalid": gettext_lazy("集满章数必须是整数"),
            "min_value": gettext_lazy("集满章数至少为 1"),
            "max_value": gettext_lazy("集满章数不能超过 %(limit_value)s"),
        },
    )
    points = forms.IntegerField(
        label=gettext_lazy("集满奖励积分"),
        min_value=1,
        max_value=TRAIL_POINTS_MAX,
        initial=20,
        error_messages={
            "required": gettext_lazy("请填写奖励积分"),
            "invalid": gettext_lazy("奖励积分必须是整数"),
            "min_value": gettext_lazy("奖励积分至少为 1"),
            "max_value": gettext_lazy("奖励积分不能超过 %(limit_value)s"),
        },
    )
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期（可不填）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("结束日期格式不对")},
    )
    description = forms.CharField(label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PointForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("打卡点"), required=False, max_length=100)
    place = forms.TypedChoiceField(
        label=gettext_lazy("地点"),
        coerce=int,
        error_messages={"required": gettext_lazy("请选择地点"), "invalid_choice": gettext_lazy("请选择本社区的地点")},
    )

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [("", "—"), *places]  # type: ignore[attr-defined]


def _list_page(
    request: HttpRequest,
    actor: User,
    community: Place,
    trail_form: TrailForm | None = None,
    point_form: PointForm | None = None,
    point_trail: int | None = None,
    status: int = 200,
) -> HttpResponse:
    staff = predicates.can_run_stamps(actor, community)
    places = skill_selectors.place_choices(community=community) if staff else []
    progress = selectors.trail_list(actor=actor, community=community)
    if staff:
        points = selectors.points_by_trail(actor=actor, community=community)
        for row in progress:
            row.points = points.get(row.trail.pk, [])
    return render(
        request,
        "timebank/stamps_list.html",
        page_context(
            request,
            community,
            nav="timebank",
            progress=progress,
            staff=staff,
            resident=exchange_selectors.my_person(actor=actor, community=community) is not None,
            trail_form=trail_form or (TrailForm() if staff else None),
            point_form=point_form,
            point_trail=point_trail,
            places=places,
        ),
        status=status,
    )


@login_required
def stamp_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """The trails with my open card's progress; staff also see the service points and set up trails."""
    actor, community = community_page(request, community_id)
    return _list_page(request, actor, community)


@login_required
@require_POST
def trail_new(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_run_stamps(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以设置集章活动"))
    form = TrailForm(request.POST)
    if not form.is_valid():
        return _list_page(request, actor, community, trail_form=form, status=400)
    data = form.cleaned_data
    try:
        trail = trail_create(
            actor=actor,
            community=community,
            name=data["name"],
            stamps_required=data["stamps_required"],
            points=data["points"],
            description=data["description"],
            ends_on=data["ends_on"],
        )
    except FORM_ERRORS as exc:
        form_error(form, exc)
        return _list_page(request, actor, community, trail_form=form, status=exc.status)
    messages.success(request, _("已创建集章活动“%(name)s”，请添加打卡点并打印海报") % {"name": trail.name})
    return redirect("timebank:stamp_list", community_id=community.pk)


@login_required
@require_POST
def trail_close(request: HttpRequest, community_id: int, trail_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    trail = selectors.trail_get(actor=actor, community=community, id=trail_id)
    try:
        stamps_services.trail_close(actor=actor, trail=trail)
    except FORM_ERRORS as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("集章活动已结束"))
    return redirect("timebank:stamp_list", community_id=community.pk)


@login_required
@require_POST
def point_new(request: HttpRequest, community_id: int, trail_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    trail = selectors.trail_get(actor=actor, community=community, id=trail_id)
    if not can_run_stamps(actor, community):
        raise PermissionDenied(_("只有社区工作人员可以设置集章活动"))
    form = PointForm(request.POST, places=skill_selectors.place_choices(community=community))
    if not form.is_valid():
        return _list_page(request, actor, community, point_form=form, point_trail=trail.pk, status=400)
    place = place_selectors.place_get(actor=actor, community=community, place_id=form.cleaned_data["place"])
    try:
        point = stamp_point_create(actor=actor, trail=trail, name=form.cleaned_data["name"], place=place)
    except FORM_ERRORS as exc:
        form_error(form, exc)
        return _list_page(request, actor, community, point_form=form, point_trail=trail.pk, status=exc.status)
    messages.success(request, _("已添加打卡点“%(name)s”") % {"name": point.name})
    return redirect("timebank:stamp_poster", community_id=community.pk, point_id=point.pk)


@login_required
def stamp_scan(request: HttpRequest, community_id: int, token: str) -> HttpResponse:
    """What a poster's QR opens: GET shows the point and a button, POST takes today's stamp."""
    actor, community = community_page(request, community_id)
    point = selectors.point_by_token(actor=actor, community=community, token=token)
    stamp: Stamp | None = None
    error = ""
    status = 200
    if request.method == "POST":
        try:
            stamp = stamps_services.stamp_scan(actor=actor, token=point.token)
        except FORM_ERRORS as exc:
            error, status = str(exc.message), exc.status
    progress = next(
        (p for p in selectors.trail_list(actor=actor, community=community) if p.trail.pk == point.trail_id), None
    )
    return render(
        request,
        "timebank/stamps_scan.html",
        page_context(request, community, nav="timebank", point=point, stamp=stamp, error=error, progress=progress),
        status=status,
    )


@login_required
def stamp_poster(request: HttpRequest, community_id: int, point_id: int) -> HttpResponse:
    """The printable poster (staff): the QR is the absolute scan URL with the point's token."""
    actor, community = community_page(request, community_id)
    point = selectors.point_get(actor=actor, community=community, id=point_id)
    url = request.build_absolute_uri(
        reverse("timebank:stamp_scan", kwargs={"community_id": community.pk, "token": point.token})
    )
    return render(
        request,
        "timebank/stamps_poster.html",
        page_context(
            request, community, nav="timebank", point=point, scan_url=url, qr=qr_svg(url, size_px=320, label=point.name)
        ),
    )
