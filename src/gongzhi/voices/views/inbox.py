"""The inbox pages: the list of voices a user handles, one voice with its full timeline and the action forms
(accept, assign, reply, status, close, reject, merge, promote), hotline/counter entry on a resident's behalf, a
meeting's suggestions turned into voices, and the custom statuses editor. Parse → selector → one service → render."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.core.audit import data_version
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_error, int_param, page_context, refusal
from gongzhi.core.pagination import CachedCountPaginator
from gongzhi.places.models import Place
from gongzhi.rules.masking import mask_contacts, mask_phone
from gongzhi.voices.errors import Code
from gongzhi.voices.forms import CategoryPlaceForm
from gongzhi.voices.models import OPEN_STATUSES, TEXT_MAX, Channel, Status, Voice, status_label
from gongzhi.voices.predicates import (
    can_enter,
    can_manage,
    can_manage_community,
    can_reveal_phone,
    has_inbox,
    text_reveals,
)
from gongzhi.voices.selectors import inbox as selectors
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.merging import voice_from_suggestion, voice_merge, voice_promote_topic
from gongzhi.voices.services.reveal import voice_contact_phone, voice_contact_reveal, voice_text_reveal
from gongzhi.voices.services.workflow import (
    custom_status_create,
    voice_accept,
    voice_assign,
    voice_close,
    voice_reject,
    voice_reply,
    voice_status_set,
)

__all__ = [
    "ACTIONS",
    "EnterForm",
    "StatusForm",
    "enter",
    "from_meeting",
    "handle",
    "handle_action",
    "inbox",
    "reveal_phone",
    "reveal_text",
    "statuses",
]

PAGE_SIZE = 25


class EnterForm(CategoryPlaceForm):
    channel = forms.ChoiceField(
        label=gettext_lazy("来源"),
        choices=[(Channel.HOTLINE, Channel.HOTLINE.label), (Channel.COUNTER, Channel.COUNTER.label)],
    )
    category = forms.TypedChoiceField(label=gettext_lazy("类别"), coerce=int, choices=())
    place = forms.TypedChoiceField(label=gettext_lazy("地点"), coerce=int, choices=())
    # Not required and no max_length: the service gives the Chinese message for empty and over-long text.
    text = forms.CharField(
        label=gettext_lazy("反映的问题"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX}),
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人"), required=False)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    is_public = forms.BooleanField(label=gettext_lazy("公开这条反映（不显示身份）"), required=False)


class StatusForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("编码（英文）"), required=False)
    name = forms.CharField(label=gettext_lazy("名称"), required=False)
    is_open = forms.TypedChoiceField(
        label=gettext_lazy("类型"),
        coerce=lambda v: v == "1",
        choices=[("1", gettext_lazy("未办结（仍在办理）")), ("0", gettext_lazy("已办结（结束办理）"))],
    )


def _filters(request: HttpRequest) -> selectors.InboxFilters:
    get = request.GET
    order = get.get("order", "new")
    return selectors.InboxFilters(
        state=get.get("state", "")[:30],
        category=int_param(get.get("category")),
        party=int_param(get.get("party")),
        grid=int_param(get.get("grid")),
        place=int_param(get.get("place")),
        overdue=get.get("overdue") == "1",
        q=get.get("q", "")[:50],
        order=order if order in selectors.ORDERINGS else "new",
    )


def _custom(community: Place) -> dict[str, str]:
    return {s.code: s.name for s in selectors.custom_statuses(community=community)}


def _count_key(actor: User, community: Place, filters: selectors.InboxFilters) -> str:
    """The inbox's row count per scope (shared by everyone who covers the community) and filters, until the
    community's next committed write."""
    scope = selectors.inbox_scope_key(actor=actor, community=community)
    digest = hashlib.sha1(filters.key().encode(), usedforsecurity=False).hexdigest()[:20]
    return f"gongzhi:count:{community.pk}:voiceinbox:{scope}:{digest}:{data_version(community.pk)}"


@login_required
def inbox(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not has_inbox(actor, community):
        raise PermissionDenied(_("只有办理诉求的工作人员和责任方可以查看诉求办理"))
    filters = _filters(request)
    qs = selectors.inbox_list(actor=actor, community=community, filters=filters)
    paginator: Paginator = (  # type: ignore[type-arg]
        # "Overdue" moves with the clock: its count is not cached (an index range, cheap).
        Paginator(qs, PAGE_SIZE)
        if filters.overdue
        else CachedCountPaginator(qs, PAGE_SIZE, key=_count_key(actor, community, filters))
    )
    page = paginator.get_page(request.GET.get("page"))
    custom = _custom(community)
    now = timezone.now()
    rows = [
        {
            "voice": v,
            "status_name": status_label(v.status, custom),
            "overdue": v.is_open and v.due_at is not None and v.due_at < now,
        }
        for v in page.object_list
    ]
    counts = selectors.inbox_counts(actor=actor, community=community)
    status_tabs = [(code, status_label(code, custom), counts.get(code, 0)) for code in _status_codes(custom)]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "voices/inbox_list.html",
        page_context(
            request,
            community,
            nav="voices",
            page=page,
            rows=rows,
            filters=filters,
            counts=counts,
            status_tabs=status_tabs,
            groups=selectors.inbox_groups(actor=actor, community=community),
            categories=selectors.community_categories(community=community),
            parties=selectors.community_parties(community=community, active_only=False),
            grids=selectors.community_grids(community=community),
            orderings=[
                ("new", _("最新")),
                ("old", _("最早")),
                ("due", _("期限最近")),
                ("support", _("反映人数最多")),
            ],
            query=query.urlencode(),
            can_enter=can_enter(actor, community),
            can_manage=can_manage_community(actor, community),
        ),
    )


def _status_codes(custom: dict[str, str]) -> list[str]:
    return [*(s.value for s in Status), *custom]


def _reporter(actor: User, voice: Voice) -> dict[str, Any]:
    """Who raised it, for staff: the name and a masked phone (the full number only through the logged reveal)."""
    name = voice.contact_name
    if voice.reporter_person is not None:
        name = name or voice.reporter_person.name
    if voice.reporter is not None:
        name = name or voice.reporter.display_name
    phone = voice_contact_phone(voice)
    revealable = bool(phone) and can_reveal_phone(actor, voice)
    return {"name": name, "phone": mask_phone(phone) if phone else "", "revealable": revealable}


def _status_choices(voice: Voice, custom: dict[str, str]) -> list[tuple[str, str]]:
    builtin = [(s.value, str(s.label)) for s in Status if s.value in OPEN_STATUSES]
    return [(code, label) for code, label in [*builtin, *custom.items()] if code != voice.status]


def _handle_context(request: HttpRequest, community: Place, voice: Voice, **extra: Any) -> dict[str, Any]:
    actor = actor_of(request)
    custom = _custom(community)
    manager = can_manage(actor, voice)
    now = timezone.now()
    events = selectors.voice_timeline_full(voice=voice)
    for event in events:
        setattr(event, "from_name", status_label(event.from_status, custom) if event.from_status else "")  # noqa: B010
        setattr(event, "to_name", status_label(event.to_status, custom) if event.to_status else "")  # noqa: B010
    merged = voice.status == Status.MERGED or voice.merged_into_id is not None
    return page_context(
        request,
        community,
        nav="voices",
        voice=voice,
        status_name=status_label(voice.status, custom),
        overdue=voice.is_open and voice.due_at is not None and voice.due_at < now,
        reporter=_reporter(actor, voice),
        # Offered only when the text has a number masked in it and the handler may see that kind in full.
        text_revealable=mask_contacts(voice.text) != voice.text and any(text_reveals(actor, voice).values()),
        photos=selectors.voice_photos(voice=voice),
        events=events,
        followers=selectors.voice_followers_count(voice=voice),
        parties=[p for p in selectors.community_parties(community=community) if p.pk != voice.party_id],
        status_choices=_status_choices(voice, custom),
        similar=selectors.similar_for_merge(actor=actor, voice=voice) if manager and voice.is_open else [],
        can_manage=manager,
        is_open=voice.is_open and not merged,
        merged=merged,
        errors=extra.pop("errors", {}),
        posted=extra.pop("posted", {}),
        **extra,
    )


@login_required
def handle(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    voice = selectors.voice_for_handling(actor=actor, voice_id=voice_id, community=community)
    return render(request, "voices/inbox_handle.html", _handle_context(request, community, voice))


def _act_accept(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    voice_accept(actor=actor, voice=voice, note=post.get("note", ""))
    return _("已受理"), None


def _act_assign(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    party_id = int_param(post.get("party"))
    party = next((p for p in selectors.community_parties(community=community) if p.pk == party_id), None)
    if party is None:
        raise ValidationFailed(_("请选择责任方"), code=Code.PARTY_REQUIRED, extra={"field": "party"})
    voice_assign(actor=actor, voice=voice, party=party, reason=post.get("reason", ""))
    return _("已分派给%(name)s") % {"name": party.name}, None


def _act_reply(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    public = post.get("visibility", "public") != "internal"
    voice_reply(actor=actor, voice=voice, body=post.get("body", ""), is_public=public)
    return (_("答复已发布") if public else _("内部备注已保存")), None


def _act_status(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    voice_status_set(actor=actor, voice=voice, status=post.get("status", "")[:30], body=post.get("body", ""))
    return _("状态已更新"), None


def _act_close(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    voice_close(actor=actor, voice=voice, body=post.get("body", ""))
    return _("已办结，已请反映人评价"), None


def _act_reject(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    voice_reject(actor=actor, voice=voice, reason=post.get("reason", ""))
    return _("已不予受理"), None


def _act_merge(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    if not can_manage(actor, voice):
        raise PermissionDenied(_("只有社区书记或社工可以进行此操作"))
    raw = post.get("into_number", "").strip() or post.get("into", "")
    into_id = int_param(raw.lstrip("#"))
    if into_id is None:
        raise ValidationFailed(_("请选择或填写要合并到的诉求编号"), code=Code.INTO_REQUIRED, extra={"field": "into"})
    try:
        into = selectors.voice_for_handling(actor=actor, voice_id=into_id, community=community)
    except NotFound as exc:
        raise ValidationFailed(
            _("没有找到您办理的诉求 #%(id)s") % {"id": into_id}, code=Code.INTO_NOT_FOUND, extra={"field": "into"}
        ) from exc
    merged = voice_merge(actor=actor, duplicate=voice, into=into, reason=post.get("reason", ""))
    url = reverse("voices:handle", kwargs={"community_id": community.pk, "voice_id": merged.pk})
    return _("已合并到 #%(id)s") % {"id": merged.pk}, url


def _act_promote(actor: User, community: Place, voice: Voice, post: Any) -> tuple[str, Any]:
    if not can_manage(actor, voice):
        raise PermissionDenied(_("只有社区书记或社工可以进行此操作"))
    ids = [pk for pk in (int_param(v) for v in post.getlist("group")) if pk is not None and pk != voice.pk]
    group = [voice, *selectors.handled_voices_by_ids(actor=actor, community=community, ids=ids)]
    if len(group) != len(ids) + 1:
        raise NotFound()
    topic = voice_promote_topic(actor=actor, voices=group, title=post.get("title", ""), summary=post.get("summary", ""))
    return _("已转为议事厅议题"), reverse(
        "deliberation:topic", kwargs={"community_id": community.pk, "topic_id": topic.pk}
    )


ACTIONS: dict[str, Callable[[Any, Place, Voice, Any], tuple[str, Any]]] = {
    "accept": _act_accept,
    "assign": _act_assign,
    "reply": _act_reply,
    "status": _act_status,
    "close": _act_close,
    "reject": _act_reject,
    "merge": _act_merge,
    "promote": _act_promote,
}


@login_required
@require_POST
def handle_action(request: HttpRequest, community_id: int, voice_id: int, action: str) -> HttpResponse:
    """One action form of the handling page. A refused input re-renders the page with the message beside the form
    and changes nothing; 403 and 404 stay errors."""
    step = ACTIONS.get(action)
    if step is None:
        raise NotFound()
    actor, community = community_page(request, community_id)
    voice = selectors.voice_for_handling(actor=actor, voice_id=voice_id, community=community)
    try:
        message, url = step(actor, community, voice, request.POST)
    except ApplicationError as exc:
        shown = refusal(exc)
        voice = selectors.voice_for_handling(actor=actor, voice_id=voice_id, community=community)
        context = _handle_context(
            request,
            community,
            voice,
            errors={action: shown, "code": exc.code},
            posted={k: request.POST.get(k, "") for k in ("note", "reason", "body", "title", "summary", "into_number")},
        )
        return render(request, "voices/inbox_handle.html", context, status=400)
    messages.success(request, message)
    return redirect(url or reverse("voices:handle", kwargs={"community_id": community.pk, "voice_id": voice.pk}))


@login_required
@require_POST
def reveal_text(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    """The htmx fragment that replaces the masked text with the numbers the handler may see, logged."""
    actor, community = community_page(request, community_id)
    voice = selectors.voice_for_handling(actor=actor, voice_id=voice_id, community=community)
    text = voice_text_reveal(actor=actor, voice=voice, purpose=request.POST.get("purpose", "")[:100])
    return render(request, "voices/inbox_revealed_text.html", {"text": text})


@login_required
@require_POST
def reveal_phone(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    """The htmx fragment that replaces the masked phone with the full one, logged as a sensitive view."""
    actor, community = community_page(request, community_id)
    voice = selectors.voice_for_handling(actor=actor, voice_id=voice_id, community=community)
    phone = voice_contact_reveal(actor=actor, voice=voice, purpose=request.POST.get("purpose", "")[:100])
    return render(request, "voices/inbox_revealed.html", {"value": phone})


@login_required
def enter(request: HttpRequest, community_id: int) -> HttpResponse:
    """A voice taken by phone or at the counter, entered on the resident's behalf (audited as such). The optional
    resident search shows masked ID numbers and phones, like the meeting attendance search."""
    actor, community = community_page(request, community_id)
    if not can_enter(actor, community):
        raise PermissionDenied(_("您没有代居民登记诉求的权限"))
    categories = selectors.community_categories(community=community, active_only=True)
    places = selectors.places_of(community=community)
    person = None
    person_id = int_param(request.POST.get("person") if request.method == "POST" else request.GET.get("person"))
    if person_id is not None:
        person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    initial: dict[str, Any] = {"place": community.pk, "channel": Channel.HOTLINE}
    if person is not None:
        initial.update(person=person.pk, contact_name=person.name)
        if person.household is not None:
            initial["place"] = person.household.place_id
    form = EnterForm(request.POST or None, initial=initial, categories=categories, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next((c for c in categories if c.pk == data["category"]), None)
        if category is None:
            raise NotFound()
        place = selectors.place_in(community=community, place_id=data["place"])
        try:
            voice = voice_submit(
                actor=actor,
                community=community,
                place=place,
                category=category,
                text=data["text"],
                is_public=data["is_public"],
                channel=data["channel"],
                reporter_person=person,
                household=person.household if person is not None and person.household is not None else None,
                contact_name=data["contact_name"] or (person.name if person is not None else ""),
                contact_phone=data["contact_phone"],
            )
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("已登记，编号 #%(id)s") % {"id": voice.pk})
            return redirect("voices:handle", community_id=community.pk, voice_id=voice.pk)
    query = request.GET.get("q", "")[:20]
    return render(
        request,
        "voices/inbox_enter.html",
        page_context(
            request,
            community,
            nav="voices",
            form=form,
            person=person,
            query=query,
            found=selectors.persons_search(actor=actor, community=community, query=query),
            meetings=selectors.meetings_with_suggestions(actor=actor, community=community),
            text_max=TEXT_MAX,
        ),
        status=400 if request.method == "POST" else 200,
    )


@login_required
def from_meeting(request: HttpRequest, community_id: int, meeting_id: int) -> HttpResponse:
    """A 坝坝会 or 院落夜话's suggestions, each turned into a voice against the meeting (once)."""
    actor, community = community_page(request, community_id)
    meeting = selectors.meeting_for_entry(actor=actor, community=community, meeting_id=meeting_id)
    if not can_enter(actor, community):
        raise PermissionDenied(_("您没有代居民登记诉求的权限"))
    categories = selectors.community_categories(community=community, active_only=True)
    error: dict[str, Any] = {}
    if request.method == "POST":
        suggestion_id = int_param(request.POST.get("suggestion"))
        suggestion = next((s for s in selectors.meeting_suggestions(meeting=meeting) if s.pk == suggestion_id), None)
        category = next((c for c in categories if c.pk == int_param(request.POST.get("category"))), None)
        if suggestion is None:
            raise NotFound()
        place_id = int_param(request.POST.get("place"))
        place = selectors.place_in(community=community, place_id=place_id) if place_id else None
        try:
            if category is None:
                raise ValidationFailed(_("请选择类别"), code=Code.CATEGORY_REQUIRED, extra={"field": "category"})
            voice = voice_from_suggestion(actor=actor, suggestion=suggestion, category=category, place=place)
        except ApplicationError as exc:
            error = {"suggestion": suggestion.pk, "message": refusal(exc), "code": exc.code}
        else:
            messages.success(request, _("已登记为诉求 #%(id)s") % {"id": voice.pk})
            return redirect("voices:from_meeting", community_id=community.pk, meeting_id=meeting.pk)
    return render(
        request,
        "voices/inbox_from_meeting.html",
        page_context(
            request,
            community,
            nav="voices",
            meeting=meeting,
            suggestions=selectors.meeting_suggestions(meeting=meeting),
            categories=categories,
            places=selectors.places_of(community=community),
            error=error,
        ),
        status=400 if error else 200,
    )


@login_required
def statuses(request: HttpRequest, community_id: int) -> HttpResponse:
    """The community's own statuses beside the built-in ones; 书记 and 社工 add them, typed open or closed."""
    actor, community = community_page(request, community_id)
    if not can_manage_community(actor, community):
        raise PermissionDenied(_("只有社区书记或社工可以设置状态"))
    form = StatusForm(request.POST or None, initial={"is_open": "1"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = custom_status_create(
                actor=actor, community=community, code=data["code"], name=data["name"], is_open=data["is_open"]
            )
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("已添加状态：%(name)s") % {"name": row.name})
            return redirect("voices:statuses", community_id=community.pk)
    return render(
        request,
        "voices/inbox_statuses.html",
        page_context(
            request,
            community,
            nav="voices",
            form=form,
            builtin=[(s.value, s.label, s.value in OPEN_STATUSES) for s in Status],
            custom=selectors.custom_statuses(community=community),
        ),
        status=400 if request.method == "POST" else 200,
    )
