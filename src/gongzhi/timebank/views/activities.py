"""Time bank pages: activities and their sessions, sign-up and waitlist, the volunteer's code, QR check-in/out and
paper sheets on the session page, the volunteer's own records (with a dispute), and the approval queue."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, form_error, page_context, render_page
from gongzhi.core.permissions import Action
from gongzhi.core.qr import qr_svg
from gongzhi.core.scoping import user_can
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import ActivityKind, RecordStatus, Recurrence, Session, SignUpStatus
from gongzhi.timebank.models.ledger import Account
from gongzhi.timebank.predicates import can_run_session
from gongzhi.timebank.selectors import activities as selectors
from gongzhi.timebank.services import activities as activities_services
from gongzhi.timebank.services import approval as approval_services
from gongzhi.timebank.services import signups as signups_services
from gongzhi.timebank.services.activities import CAPACITY_MAX, activity_create, sessions_extend
from gongzhi.timebank.services.approval import dispute_decide, record_approve, record_reject
from gongzhi.timebank.services.checkin import (
    AttendanceRow,
    attendance_enter,
    check_in,
    check_out,
    volunteer_code,
    volunteer_code_rotate,
)
from gongzhi.timebank.services.signups import signup_create

WEEKDAYS = [
    (1, gettext_lazy("周一")),
    (2, gettext_lazy("周二")),
    (3, gettext_lazy("周三")),
    (4, gettext_lazy("周四")),
    (5, gettext_lazy("周五")),
    (6, gettext_lazy("周六")),
    (7, gettext_lazy("周日")),
]
MONTH_WEEKS = [
    ("", gettext_lazy("不适用")),
    ("1", gettext_lazy("第一个")),
    ("2", gettext_lazy("第二个")),
    ("3", gettext_lazy("第三个")),
    ("4", gettext_lazy("第四个")),
    ("5", gettext_lazy("最后一个")),
]
PAPER_ROWS = 5


# --- activity list, new, detail --------------------------------------------------------------------------------


@login_required
def activity_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    sessions = selectors.upcoming_sessions(actor=actor, community=community)
    mine = selectors.my_signups(actor=actor, sessions=sessions)
    rows = [{"session": s, "free": max(s.capacity - s.confirmed_count, 0), "mine": mine.get(s.pk)} for s in sessions]
    return render(
        request,
        "timebank/activities_list.html",
        page_context(
            request,
            community,
            nav="timebank",
            rows=rows,
            can_organise=user_can(actor, Action.TIMEBANK_ORGANISE, community),
            can_approve=user_can(actor, Action.TIMEBANK_ORGANISE, community)
            or user_can(actor, Action.TIMEBANK_APPROVE_HELP, community),
        ),
    )


class ActivityForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("活动名称"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("活动内容"), max_length=4000, required=False, widget=forms.Textarea
    )
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ActivityKind.choices)
    service_type = forms.TypedChoiceField(label=gettext_lazy("服务类型"), coerce=int)
    place = forms.TypedChoiceField(label=gettext_lazy("地点"), coerce=int)
    team = forms.TypedChoiceField(label=gettext_lazy("队伍"), coerce=int, required=False, empty_value=None)
    recurrence = forms.ChoiceField(label=gettext_lazy("重复"), choices=Recurrence.choices)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("星期"), choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    month_week = forms.TypedChoiceField(
        label=gettext_lazy("每月第几周"), choices=MONTH_WEEKS, coerce=int, required=False, empty_value=None
    )
    start_date = forms.DateField(
        label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_date = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    start_time = forms.TimeField(label=gettext_lazy("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=gettext_lazy("结束时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    capacity = forms.IntegerField(label=gettext_lazy("名额"), min_value=1, max_value=CAPACITY_MAX)

    def __init__(self, *args: Any, choices: selectors.OrganiseChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = choices
        _set_choices(
            self.fields["service_type"],
            [(t.pk, f"{t.name}（{_('每小时 %(n)s 积分') % {'n': t.points_per_hour}}）") for t in choices.service_types],
        )
        _set_choices(self.fields["place"], [(p.pk, "\u3000" * max(p.depth - 2, 0) + p.name) for p in choices.places])
        _set_choices(self.fields["team"], [("", _("不限")), *((t.pk, t.name) for t in choices.teams)])


def _set_choices(field: forms.Field, choices: list[tuple[Any, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


@login_required
def activity_new(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not user_can(actor, Action.TIMEBANK_ORGANISE, community):
        raise PermissionDenied(_("您没有组织志愿活动的权限"))
    choices = selectors.organise_choices(actor=actor, community=community)
    initial = {"start_date": timezone.localdate(), "capacity": 10, "recurrence": Recurrence.ONCE}
    form = ActivityForm(request.POST or None, initial=initial, choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        teams = {t.pk: t for t in choices.teams}
        try:
            activity = activity_create(
                actor=actor,
                community=community,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                service_type={t.pk: t for t in choices.service_types}[data["service_type"]],
                place={p.pk: p for p in choices.places}[data["place"]],
                team=teams.get(data["team"]) if data["team"] else None,
                recurrence=data["recurrence"],
                weekdays=data["weekdays"],
                month_week=data["month_week"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                capacity=data["capacity"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("活动已发布，共 %(n)s 个场次") % {"n": activity.sessions.count()})
            return redirect("timebank:activity_detail", community_id=community.pk, activity_id=activity.pk)
    return render(
        request,
        "timebank/activities_new.html",
        page_context(request, community, nav="timebank", form=form),
        status=400 if request.method == "POST" else 200,
    )


def _detail_context(request: HttpRequest, community: Place, activity_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    activity = selectors.activity_get(actor=actor, community=community, activity_id=activity_id)
    sessions = selectors.activity_sessions(activity=activity)
    mine = selectors.my_signups(actor=actor, sessions=sessions)
    volunteer = selectors.my_volunteer(actor=actor, community=community)
    cards = selectors.member_cards(person=volunteer.person) if volunteer is not None else []
    rows = [{"session": s, "free": max(s.capacity - s.confirmed_count, 0), "mine": mine.get(s.pk)} for s in sessions]
    return page_context(
        request,
        community,
        nav="timebank",
        activity=activity,
        rows=rows,
        volunteer=volunteer,
        cards=cards,
        can_run=can_run_session(actor, activity),
        now=timezone.now(),
    )


@login_required
def activity_detail(request: HttpRequest, community_id: int, activity_id: int) -> HttpResponse:
    _actor, community = community_page(request, community_id)
    return render(request, "timebank/activities_detail.html", _detail_context(request, community, activity_id))


@login_required
@require_POST
def activity_cancel(request: HttpRequest, community_id: int, activity_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    activity = selectors.activity_get(actor=actor, community=community, activity_id=activity_id)
    try:
        activities_services.activity_cancel(actor=actor, activity=activity)
    except ApplicationError as exc:
        context = _detail_context(request, community, activity_id)
        return render_page(request, "timebank/activities_detail.html", context, error=exc)
    messages.success(request, _("活动已取消，已报名的志愿者会收到通知"))
    return redirect("timebank:activity_detail", community_id=community.pk, activity_id=activity.pk)


@login_required
@require_POST
def activity_extend(request: HttpRequest, community_id: int, activity_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    activity = selectors.activity_get(actor=actor, community=community, activity_id=activity_id)
    try:
        added = sessions_extend(actor=actor, activity=activity)
    except ApplicationError as exc:
        context = _detail_context(request, community, activity_id)
        return render_page(request, "timebank/activities_detail.html", context, error=exc)
    messages.success(request, _("已续排 %(n)s 个场次") % {"n": len(added)})
    return redirect("timebank:activity_detail", community_id=community.pk, activity_id=activity.pk)


# --- sign-up -------------------------------------------------------------------------------------------------


def _card_choice(request: HttpRequest, community: Place) -> Account | None:
    """The collective card picked on the form; the service checks that the volunteer serves under it."""
    raw = request.POST.get("card", "")
    return selectors.card_get(community=community, card_id=int(raw)) if raw.isdigit() else None


@login_required
@require_POST
def session_signup(request: HttpRequest, community_id: int, session_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    session = selectors.session_get(actor=actor, community=community, session_id=session_id)
    try:
        signup = signup_create(actor=actor, session=session, card=_card_choice(request, community))
    except ApplicationError as exc:
        context = _detail_context(request, community, session.activity_id)
        return render_page(request, "timebank/activities_detail.html", context, error=exc)
    if signup.status == SignUpStatus.WAITLISTED:
        messages.success(request, _("名额已满，您已进入候补，排第 %(n)s 位") % {"n": signup.waitlist_position})
    else:
        messages.success(request, _("报名成功"))
    return redirect("timebank:activity_detail", community_id=community.pk, activity_id=session.activity_id)


@login_required
@require_POST
def signup_cancel(request: HttpRequest, community_id: int, signup_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    signup = selectors.signup_get(actor=actor, community=community, signup_id=signup_id)
    activity_id = signup.session.activity_id
    try:
        signups_services.signup_cancel(actor=actor, signup=signup)
    except ApplicationError as exc:
        return render_page(
            request, "timebank/activities_detail.html", _detail_context(request, community, activity_id), error=exc
        )
    messages.success(request, _("已取消报名"))
    return redirect("timebank:activity_detail", community_id=community.pk, activity_id=activity_id)


# --- the volunteer's code ----------------------------------------------------------------------------------------


@login_required
def my_code(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    volunteer = selectors.my_volunteer(actor=actor, community=community)
    code = volunteer_code(volunteer.person) if volunteer is not None else ""
    return render(
        request,
        "timebank/activities_my_code.html",
        page_context(
            request,
            community,
            nav="timebank",
            volunteer=volunteer,
            code=code,
            # Two groups of three, as a code is read out; spaces are ignored when it is typed in.
            code_groups=f"{code[:3]} {code[3:]}" if code else "",
            # qr_svg escapes its label and draws only rectangles: safe to inline.
            qr=mark_safe(qr_svg(code, size_px=280, label=_("我的志愿者码"))) if code else "",  # noqa: S308
        ),
    )


@login_required
@require_POST
def my_code_rotate(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    volunteer_code_rotate(actor=actor, community=community)
    messages.success(request, _("已换成新的志愿者码，旧码不能再用于签到"))
    return redirect("timebank:my_code", community_id=community.pk)


# --- the session page: scan, paper sheet, roster --------------------------------------------------------------


class PaperRowForm(forms.Form):
    person = forms.TypedChoiceField(label=gettext_lazy("志愿者"), coerce=int, required=False, empty_value=None)
    start = forms.TimeField(label=gettext_lazy("开始"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=gettext_lazy("结束"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))


def _people_choices(request: HttpRequest, community: Place, session: Session, signups: list[Any]) -> dict[int, Any]:
    """Who a paper row may name: the session's sign-ups, plus volunteers found by the name search."""
    people = {s.person.pk: s.person for s in signups}
    q = request.GET.get("q", "") or request.POST.get("q", "")
    for person in selectors.person_search(actor=actor_of(request), community=community, q=q):
        people.setdefault(person.pk, person)
    return people


def _paper_forms(data: Any, people: dict[int, Any]) -> list[PaperRowForm]:
    choices = [("", "——"), *((pk, p.masked_name) for pk, p in people.items())]
    rows = []
    for i in range(PAPER_ROWS):
        form = PaperRowForm(data, prefix=f"row{i}")
        _set_choices(form.fields["person"], choices)
        rows.append(form)
    return rows


def _session_context(
    request: HttpRequest, community: Place, session_id: int, paper: list[PaperRowForm] | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    session = selectors.session_get(actor=actor, community=community, session_id=session_id)
    can_run = can_run_session(actor, session.activity)
    signups = selectors.session_signups(actor=actor, session=session)
    records = {r.person_id: r for r in selectors.session_records(actor=actor, session=session)}
    people = _people_choices(request, community, session, signups) if can_run else {}
    mine = selectors.my_signups(actor=actor, sessions=[session]).get(session.pk)
    return page_context(
        request,
        community,
        nav="timebank",
        session=session,
        activity=session.activity,
        can_run=can_run,
        free=max(session.capacity - session.confirmed_count, 0),
        roster=[{"signup": s, "record": records.pop(s.person_id, None)} for s in signups],
        walk_ins=list(records.values()),
        paper=paper if paper is not None else _paper_forms(None, people),
        q=request.GET.get("q", ""),
        mine=mine,
    )


@login_required
def session_detail(request: HttpRequest, community_id: int, session_id: int) -> HttpResponse:
    _actor, community = community_page(request, community_id)
    return render(request, "timebank/activities_session.html", _session_context(request, community, session_id))


@login_required
@require_POST
def session_scan(request: HttpRequest, community_id: int, session_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    session = selectors.session_get(actor=actor, community=community, session_id=session_id)
    code = request.POST.get("code", "")[:200]
    try:
        if request.POST.get("action") == "out":
            record = check_out(actor=actor, session=session, code=code)
            text = _("%(name)s 签退成功，服务 %(minutes)s 分钟，待审核") % {
                "name": record.person.masked_name,
                "minutes": record.minutes,
            }
        else:
            record = check_in(actor=actor, session=session, code=code)
            text = _("%(name)s 签到成功") % {"name": record.person.masked_name}
    except ApplicationError as exc:
        return render_page(
            request, "timebank/activities_session.html", _session_context(request, community, session_id), error=exc
        )
    messages.success(request, text)
    return redirect("timebank:session_detail", community_id=community.pk, session_id=session.pk)


@login_required
@require_POST
def session_paper(request: HttpRequest, community_id: int, session_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    session = selectors.session_get(actor=actor, community=community, session_id=session_id)
    if not can_run_session(actor, session.activity):
        return render_page(
            request,
            "timebank/activities_session.html",
            _session_context(request, community, session_id),
            error=PermissionDenied(_("只有活动的组织者或社区工作人员可以办理签到")),
        )
    people = _people_choices(request, community, session, selectors.session_signups(actor=actor, session=session))
    forms_ = _paper_forms(request.POST, people)
    day = timezone.localtime(session.starts_at).date()
    tz = timezone.get_current_timezone()
    rows: list[AttendanceRow] = []
    error: ApplicationError | None = None
    for number, form in enumerate(forms_, start=1):
        if not form.is_valid():
            error = ValidationFailed(_("第 %(row)s 行：请填写正确的时间") % {"row": number}, code=Code.BAD_TIME)
            break
        data = form.cleaned_data
        if data["person"] is None and data["start"] is None and data["end"] is None:
            continue
        if data["person"] is None or data["start"] is None or data["end"] is None:
            error = ValidationFailed(
                _("第 %(row)s 行：请填写志愿者、开始和结束时间") % {"row": number}, code=Code.INCOMPLETE_ROW
            )
            break
        rows.append(
            AttendanceRow(
                person=people[data["person"]],
                start=datetime.datetime.combine(day, data["start"], tzinfo=tz),
                end=datetime.datetime.combine(day, data["end"], tzinfo=tz),
            )
        )
    if error is None:
        try:
            created = attendance_enter(actor=actor, session=session, rows=rows)
        except ApplicationError as exc:
            error = exc
    if error is not None:
        context = _session_context(request, community, session_id, paper=forms_)
        return render_page(request, "timebank/activities_session.html", context, error=error)
    messages.success(request, _("已录入 %(n)s 条签到记录，待审核") % {"n": len(created)})
    return redirect("timebank:session_detail", community_id=community.pk, session_id=session.pk)


# --- my activities, disputes, approvals -------------------------------------------------------------------------


def _my_context(request: HttpRequest, community: Place) -> dict[str, Any]:
    actor = actor_of(request)
    records = selectors.my_records(actor=actor, community=community)
    volunteer = selectors.my_volunteer(actor=actor, community=community)
    balance = selectors.my_balance(person=volunteer.person) if volunteer is not None else None
    sessions = selectors.upcoming_sessions(actor=actor, community=community)
    mine = selectors.my_signups(actor=actor, sessions=sessions)
    approved = [r for r in records if r.status == RecordStatus.APPROVED]
    served = {r.session_id for r in records}
    return page_context(
        request,
        community,
        nav="timebank",
        records=records,
        volunteer=volunteer,
        balance=balance,
        # Sessions still to serve: a session already checked into shows as a record below instead.
        upcoming=[{"session": s, "signup": mine[s.pk]} for s in sessions if s.pk in mine and s.pk not in served],
        total_hours=f"{sum(r.minutes for r in approved) / 60:.1f}",
        total_points=sum(r.points for r in approved),
        rejected=RecordStatus.REJECTED,
    )


@login_required
def my_activities(request: HttpRequest, community_id: int) -> HttpResponse:
    _actor, community = community_page(request, community_id)
    return render(request, "timebank/activities_mine.html", _my_context(request, community))


@login_required
@require_POST
def record_dispute(request: HttpRequest, community_id: int, record_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    record = selectors.record_get(actor=actor, community=community, record_id=record_id)
    try:
        approval_services.record_dispute(actor=actor, record=record, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        return render_page(request, "timebank/activities_mine.html", _my_context(request, community), error=exc)
    messages.success(request, _("申诉已提交，社区工作人员会尽快处理"))
    return redirect("timebank:my_activities", community_id=community.pk)


def _approvals_context(request: HttpRequest, community: Place) -> dict[str, Any]:
    actor = actor_of(request)
    return page_context(
        request,
        community,
        nav="timebank",
        records=selectors.approval_queue(actor=actor, community=community),
        disputed=RecordStatus.DISPUTED,
    )


@login_required
def approvals(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not (
        user_can(actor, Action.TIMEBANK_ORGANISE, community) or user_can(actor, Action.TIMEBANK_APPROVE_HELP, community)
    ):
        raise PermissionDenied(_("只有本活动的组织者或社区工作人员可以审核服务时长"))
    return render(request, "timebank/activities_approvals.html", _approvals_context(request, community))


@login_required
@require_POST
def record_decide(request: HttpRequest, community_id: int, record_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    record = selectors.record_get(actor=actor, community=community, record_id=record_id)
    decision, reason = request.POST.get("decision", ""), request.POST.get("reason", "")
    try:
        if decision == "approve":
            record = record_approve(actor=actor, record=record)
            text = _("已通过：%(name)s，%(points)s 积分") % {"name": record.person.masked_name, "points": record.points}
        elif decision == "reject":
            record = record_reject(actor=actor, record=record, reason=reason)
            text = _("已退回：%(name)s") % {"name": record.person.masked_name}
        elif decision in ("uphold", "dismiss"):
            record = dispute_decide(actor=actor, record=record, approve=decision == "uphold", reason=reason)
            text = _("申诉已处理：%(name)s") % {"name": record.person.masked_name}
        else:
            raise ValidationFailed(_("请选择审核结果"), code=Code.BAD_DECISION)
    except ApplicationError as exc:
        return render_page(
            request, "timebank/activities_approvals.html", _approvals_context(request, community), error=exc
        )
    messages.success(request, text)
    return redirect("timebank:approvals", community_id=community.pk)
