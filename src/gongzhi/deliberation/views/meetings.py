"""Meeting pages and the 台账 export: list, schedule, a meeting, its sign-in poster and QR sign-in, staff entry of
attendance, minutes and suggestions. Parse → selector → one service → render, as everywhere."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, page_context
from gongzhi.core.qr import qr_svg
from gongzhi.deliberation import exporting, predicates
from gongzhi.deliberation.models import Meeting, MeetingKind, MeetingStatus, SuggestionStatus
from gongzhi.deliberation.selectors import meetings as selectors
from gongzhi.deliberation.services import meetings as meetings_services
from gongzhi.deliberation.services.meetings import (
    MEETING_PLACE_KINDS,
    attendance_record,
    meeting_mark_held,
    meeting_sign_in,
    minutes_record,
    signin_window,
    suggestion_add,
)
from gongzhi.places.models import Place

__all__ = [
    "MinutesForm",
    "RespondForm",
    "ScheduleForm",
    "SuggestionForm",
    "attendance",
    "meeting_cancel",
    "meeting_detail",
    "meeting_export",
    "meeting_held",
    "meeting_list",
    "minutes",
    "poster",
    "register_export",
    "schedule",
    "sign_in",
    "suggestion_respond",
    "suggestions",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ScheduleForm(forms.Form):
    place = forms.IntegerField(label=gettext_lazy("范围"))
    kind = forms.ChoiceField(label=gettext_lazy("会议类型"), choices=MeetingKind.choices)
    title = forms.CharField(label=gettext_lazy("会议主题"), max_length=100)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    location = forms.CharField(label=gettext_lazy("地点"), max_length=100)
    topic = forms.IntegerField(label=gettext_lazy("相关议题"), required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=gettext_lazy("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 12}))


class SuggestionForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("建议"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    raised_by = forms.CharField(label=gettext_lazy("提出人（可不填）"), required=False)
    category = forms.CharField(label=gettext_lazy("类别（如：停车、绿化、安全）"), required=False)


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("处理结果"),
        choices=[c for c in SuggestionStatus.choices if c[0] != SuggestionStatus.PENDING],
    )
    response = forms.CharField(label=gettext_lazy("答复"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    topic = forms.IntegerField(label=gettext_lazy("议题"), required=False)


def _meeting(request: HttpRequest, community_id: int, meeting_id: int) -> tuple[User, Place, Meeting]:
    actor, community = community_page(request, community_id)
    return actor, community, selectors.meeting_get(actor=actor, community=community, meeting_id=meeting_id)


def _to_detail(community: Place, meeting: Meeting) -> HttpResponse:
    return redirect("deliberation:meeting", community_id=community.pk, meeting_id=meeting.pk)


@login_required
def meeting_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    return render(
        request,
        "deliberation/meeting_list.html",
        page_context(
            request,
            community,
            nav="topics",
            upcoming=list(selectors.meeting_list(actor=actor, community=community, when="upcoming")[:20]),
            past=Paginator(selectors.meeting_list(actor=actor, community=community, when="past"), 30).get_page(
                request.GET.get("page")
            ),
            n_suggestions=selectors.community_suggestion_count(actor=actor, community=community),
            can_schedule=bool(selectors.meeting_places(actor=actor, community=community, kinds=MEETING_PLACE_KINDS)),
            can_register=selectors.may_keep_register(actor=actor, community=community),
        ),
    )


@login_required
def schedule(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    places = selectors.meeting_places(actor=actor, community=community, kinds=MEETING_PLACE_KINDS)
    if not places:
        raise PermissionDenied(_("只有社区工作人员可以安排会议"))
    topics = selectors.meeting_topics(actor=actor, community=community)
    initial = {"topic": request.GET.get("topic")} if request.GET.get("topic", "").isdigit() else {}
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = next((p for p in places if p.pk == data["place"]), None)
        topic = next((t for t in topics if t.pk == data["topic"]), None) if data["topic"] else None
        if place is None or (data["topic"] and topic is None):
            raise NotFound()
        try:
            meeting = meetings_services.meeting_schedule(
                actor=actor,
                place=place,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                location=data["location"],
                topic=topic,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("会议已安排"))
            return _to_detail(community, meeting)
    return render(
        request,
        "deliberation/meeting_schedule.html",
        page_context(
            request, community, nav="topics", form=form, places=places, topics=topics, kinds=MeetingKind.choices
        ),
    )


@login_required
def meeting_detail(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    can_record = predicates.can_record_meeting(actor, meeting)
    opens, closes = signin_window(meeting)
    return render(
        request,
        "deliberation/meeting_detail.html",
        page_context(
            request,
            community,
            nav="topics",
            meeting=meeting,
            can_record=can_record,
            can_manage=predicates.can_manage_meeting(actor, meeting),
            attendances=selectors.attendance_list(meeting=meeting) if can_record else [],
            suggestions=selectors.suggestion_list(meeting=meeting),
            signin_opens=opens,
            signin_closes=closes,
            respond_form=RespondForm(),
            topics=selectors.meeting_topics(actor=actor, community=community) if can_record else [],
        ),
    )


@login_required
def poster(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    """The sign-in poster: print it, or hold up the phone; the QR is the absolute sign-in URL with the token."""
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    predicates.require_meeting_recorder(actor, meeting)
    url = request.build_absolute_uri(
        reverse("deliberation:meeting_signin", kwargs={"community_id": community.pk, "token": meeting.signin_token})
    )
    opens, closes = signin_window(meeting)
    return render(
        request,
        "deliberation/meeting_poster.html",
        page_context(
            request,
            community,
            nav="topics",
            meeting=meeting,
            signin_url=url,
            qr=qr_svg(url, size_px=320, label=meeting.title),
            signin_opens=opens,
            signin_closes=closes,
        ),
    )


@login_required
def sign_in(request: HttpRequest, community_id: int, token: str) -> HttpResponse:
    actor, community = community_page(request, community_id)
    meeting = selectors.meeting_by_token(actor=actor, community=community, token=token)
    done = selectors.my_attendance(actor=actor, meeting=meeting) if request.method == "GET" else None
    if request.method == "POST":
        try:
            done = meeting_sign_in(actor=actor, meeting=meeting, token=token)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("签到成功，欢迎参加！"))
    opens, closes = signin_window(meeting)
    return render(
        request,
        "deliberation/meeting_signin.html",
        page_context(
            request,
            community,
            nav="topics",
            meeting=meeting,
            done=done,
            signin_opens=opens,
            signin_closes=closes,
            is_open=meeting.status != MeetingStatus.CANCELLED and opens <= timezone.now() <= closes,
        ),
    )


@login_required
def attendance(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    """Staff entry for residents without a phone: search the meeting's place by name or room, or type a guest."""
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    predicates.require_meeting_recorder(actor, meeting)
    if request.method == "POST":
        person_id = request.POST.get("person", "")
        person = None
        if person_id:
            if not person_id.isdigit():
                raise NotFound()
            person = selectors.meeting_person_get(actor=actor, meeting=meeting, person_id=int(person_id))
        try:
            row = attendance_record(actor=actor, meeting=meeting, person=person, name=request.POST.get("name", ""))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": row.name})
        return redirect(
            reverse("deliberation:meeting_attendance", kwargs={"community_id": community.pk, "meeting_id": meeting.pk})
            + (f"?{urlencode({'q': request.POST['q'][:20]})}" if request.POST.get("q") else "")
        )
    query = request.GET.get("q", "")
    return render(
        request,
        "deliberation/meeting_attendance.html",
        page_context(
            request,
            community,
            nav="topics",
            meeting=meeting,
            query=query,
            found=selectors.meeting_persons_search(actor=actor, meeting=meeting, query=query),
            signed=selectors.signed_person_ids(meeting=meeting),
            attendances=selectors.attendance_list(meeting=meeting),
        ),
    )


@login_required
def minutes(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    predicates.require_meeting_recorder(actor, meeting)
    form = MinutesForm(request.POST or None, initial={"minutes": meeting.minutes})
    if request.method == "POST" and form.is_valid():
        try:
            minutes_record(actor=actor, meeting=meeting, minutes=form.cleaned_data["minutes"])
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("会议纪要已保存"))
            return _to_detail(community, meeting)
    return render(
        request,
        "deliberation/meeting_minutes.html",
        page_context(request, community, nav="topics", meeting=meeting, form=form),
    )


@login_required
def suggestions(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    predicates.require_meeting_recorder(actor, meeting)
    form = SuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion_add(
                actor=actor, meeting=meeting, body=data["body"], raised_by=data["raised_by"], category=data["category"]
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("建议已记录"))
            return redirect("deliberation:meeting_suggestions", community_id=community.pk, meeting_id=meeting.pk)
    return render(
        request,
        "deliberation/meeting_suggestions.html",
        page_context(
            request,
            community,
            nav="topics",
            meeting=meeting,
            form=form,
            suggestions=selectors.suggestion_list(meeting=meeting),
        ),
    )


@login_required
@require_POST
def suggestion_respond(request: HttpRequest, community_id: int, meeting_id: int, suggestion_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    suggestion = selectors.suggestion_get(meeting=meeting, suggestion_id=suggestion_id)
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结果"))
        return _to_detail(community, meeting)
    data = form.cleaned_data
    topic = None
    if data["topic"]:
        topic = next(
            (t for t in selectors.meeting_topics(actor=actor, community=community) if t.pk == data["topic"]), None
        )
        if topic is None:
            raise NotFound()
    try:
        meetings_services.suggestion_respond(
            actor=actor, suggestion=suggestion, status=data["status"], response=data["response"], topic=topic
        )
    except ApplicationError as exc:
        if exc.status != 400:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("答复已保存"))
    return _to_detail(community, meeting)


@login_required
@require_POST
def meeting_held(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    try:
        meeting_mark_held(actor=actor, meeting=meeting)
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("会议已标记为已召开"))
    return _to_detail(community, meeting)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, community, meeting = _meeting(request, community_id, meeting_id)
    try:
        meetings_services.meeting_cancel(actor=actor, meeting=meeting, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("会议已取消"))
    return _to_detail(community, meeting)


def _xlsx(body: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
def register_export(request: HttpRequest, community_id: int) -> HttpResponse:
    """The register of the meetings the actor records (one row each, figures only)."""
    actor, community = community_page(request, community_id)
    if not selectors.may_keep_register(actor=actor, community=community):
        raise PermissionDenied(_("只有社区工作人员、楼栋长或小组长可以导出会议台账"))
    meetings = selectors.meeting_register(actor=actor, community=community)
    return _xlsx(exporting.meeting_register_workbook(meetings=meetings), "meetings")


@login_required
def meeting_export(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    actor, _community, meeting = _meeting(request, community_id, meeting_id)
    predicates.require_meeting_recorder(actor, meeting)
    body = exporting.meeting_workbook(
        actor=actor,
        meeting=meeting,
        attendances=selectors.attendance_list(meeting=meeting),
        suggestions=selectors.suggestion_list(meeting=meeting),
    )
    return _xlsx(body, f"meeting-{meeting.pk}")
