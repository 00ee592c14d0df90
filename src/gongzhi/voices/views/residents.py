"""The residents' pages of 社情民意: report a problem (with photos and the "me too" suggestions while typing), my
voices, a voice with its public timeline, rating and reopening, the photos, and the community's public list.
Parse → selector → one service → render, as everywhere."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gongzhi.core.audit import data_version
from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.files import private_file_response
from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, form_error, page_context
from gongzhi.core.pagination import CachedCountPaginator
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.rules import voice_feedback
from gongzhi.voices.forms import CategoryPlaceForm
from gongzhi.voices.models import TEXT_MAX, Voice, status_label
from gongzhi.voices.predicates import can_handle, can_submit, works_voices_in
from gongzhi.voices.selectors import voices as selectors
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.photos import PHOTOS_MAX, photos_validate
from gongzhi.voices.services.residents import voice_me_too, voice_rate, voice_reopen

__all__ = [
    "RateForm",
    "ReopenForm",
    "ReportForm",
    "home",
    "me_too",
    "mine",
    "photo",
    "public_list",
    "rate",
    "reopen",
    "report",
    "similar",
    "voice_detail",
]

PAGE_SIZE = 25


class ReportForm(CategoryPlaceForm):
    category = forms.TypedChoiceField(
        label=gettext_lazy("类别"),
        coerce=int,
        choices=(),
        error_messages={"required": gettext_lazy("请选择类别"), "invalid_choice": gettext_lazy("请选择本社区的类别")},
    )
    place = forms.TypedChoiceField(
        label=gettext_lazy("地点"),
        coerce=int,
        choices=(),
        error_messages={"required": gettext_lazy("请选择地点"), "invalid_choice": gettext_lazy("请选择本社区的地点")},
    )
    # Not required and no max_length here: the service gives the Chinese message for empty and over-long text.
    text = forms.CharField(
        label=gettext_lazy("问题描述"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": TEXT_MAX}),
    )
    is_public = forms.BooleanField(label=gettext_lazy("公开这条反映"), required=False)
    photos = forms.FileField(label=gettext_lazy("照片"), required=False)  # read from request.FILES.getlist


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("满意度"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], required=False
    )
    comment = forms.CharField(
        label=gettext_lazy("评价（可不填）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("重新办理的理由"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def home(request: HttpRequest, community_id: int) -> HttpResponse:
    """Handlers go to their inbox; everyone else to their own voices."""
    actor, community = community_page(request, community_id)
    if works_voices_in(actor, community):
        try:
            return redirect(reverse("voices:inbox", kwargs={"community_id": community.pk}))
        except NoReverseMatch:
            return redirect(f"/c/{community.pk}/voices/inbox/")
    return redirect("voices:mine", community_id=community.pk)


@login_required
def report(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_submit(actor, community):
        raise PermissionDenied(_("只有本社区的居民可以反映问题"))
    categories = selectors.active_categories(community=community)
    places = selectors.report_place_choices(community=community)
    initial = {"place": selectors.home_building_id(actor=actor, community=community) or community.pk}
    form = ReportForm(request.POST or None, initial=initial, categories=categories, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = next((c for c in categories if c.pk == data["category"]), None)
        place = selectors.report_place_get(community=community, place_id=data["place"])
        if category is None or place is None:
            raise NotFound()
        files = request.FILES.getlist("photos")
        try:
            # Checked before the voice is made, so a bad photo shows its message and the typed text stays.
            photos_validate(files)
            voice = voice_submit(
                actor=actor,
                community=community,
                place=place,
                category=category,
                text=data["text"],
                is_public=data["is_public"],
                photos=files,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("已收到您的反映，编号 #%(id)s，办理进展会通知您") % {"id": voice.pk})
            return redirect("voices:detail", community_id=community.pk, voice_id=voice.pk)
    return render(
        request,
        "voices/residents_report.html",
        page_context(request, community, nav="voices", form=form, text_max=TEXT_MAX, photos_max=PHOTOS_MAX),
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def similar(request: HttpRequest, community_id: int) -> HttpResponse:
    """The htmx fragment under the text box: up to 5 similar open voices, each with a "我也遇到" button."""
    actor, community = community_page(request, community_id)
    text = request.GET.get("text", "")[:TEXT_MAX]
    place_id = request.GET.get("place", "")
    place = None
    if place_id.isdigit():
        place = selectors.report_place_get(community=community, place_id=int(place_id))
    found = selectors.similar_voices(actor=actor, community=community, place=place or community, text=text)
    return render(
        request,
        "voices/residents_similar.html",
        {"community": community, "similar": found, "custom": _custom(community)},
    )


@login_required
@require_POST
def me_too(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    voice = selectors.voice_get(actor=actor, voice_id=voice_id, community=community)
    try:
        counted = voice_me_too(actor=actor, voice=voice)
    except ApplicationError as exc:
        if exc.status == 403:
            raise
        messages.error(request, str(exc.message))
        counted = voice
    else:
        messages.success(request, _("已记录“我也遇到”，办理进展会通知您"))
    return redirect("voices:detail", community_id=community.pk, voice_id=counted.pk)


def _custom(community: Place) -> dict[str, str]:
    return selectors.custom_status_names(community=community)


@login_required
def mine(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    page = Paginator(selectors.my_voices(actor=actor, community=community), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "voices/residents_mine.html",
        page_context(request, community, nav="voices", page=page, custom=_custom(community)),
    )


def _detail_context(request: HttpRequest, community: Place, voice: Voice, **forms_: Any) -> dict[str, Any]:
    actor = actor_of(request)
    staff = can_handle(actor, voice)
    is_reporter = voice.reporter_id is not None and voice.reporter_id == actor.pk
    merged = voice.merged_into_id is not None or voice.status == "merged"
    now = timezone.now()
    can_rate = (
        voice_feedback.rate_refusal(
            is_reporter=is_reporter,
            is_open=voice.is_open,
            is_merged=merged,
            closed_at=voice.closed_at,
            already_rated=voice_feedback.rated_this_round(voice.rated_at, voice.closed_at),
            rating=voice_feedback.RATING_MAX,
        )
        is None
    )
    can_reopen = (
        voice_feedback.reopen_refusal(
            is_reporter=is_reporter,
            is_open=voice.is_open,
            is_merged=merged,
            closed_at=voice.closed_at,
            reopen_count=voice.reopen_count,
            now=now,
            rating=voice.rating,
        )
        is None
    )
    following = is_reporter or selectors.is_following(actor=actor, voice=voice)
    return page_context(
        request,
        community,
        nav="voices",
        voice=voice,
        status_name=status_label(voice.status, _custom(community)),
        staff=staff,
        is_reporter=is_reporter,
        mask_timeline=not (staff or is_reporter),
        following=following,
        can_me_too=voice.is_open and not merged and not following,
        can_rate=can_rate,
        can_reopen=can_reopen,
        reopen_until=voice_feedback.reopen_deadline(voice.closed_at) if voice.closed_at else None,
        rating_range=range(voice_feedback.RATING_MIN, voice_feedback.RATING_MAX + 1),
        events=selectors.voice_timeline(voice=voice, staff=staff),
        photos=selectors.voice_photos(voice=voice),
        rate_form=forms_.get("rate_form") or RateForm(),
        reopen_form=forms_.get("reopen_form") or ReopenForm(),
    )


@login_required
def voice_detail(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    voice = selectors.voice_get(actor=actor, voice_id=voice_id, community=community)
    return render(request, "voices/residents_detail.html", _detail_context(request, community, voice))


@login_required
@require_POST
def rate(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    voice = selectors.voice_get(actor=actor, voice_id=voice_id, community=community)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            voice_rate(
                actor=actor, voice=voice, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
            )
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("感谢您的评价"))
            return redirect("voices:detail", community_id=community.pk, voice_id=voice.pk)
    elif "rating" in form.errors:
        form.errors["rating"] = form.error_class([_("请选择 1 到 5 分的满意度")])
    return render(
        request, "voices/residents_detail.html", _detail_context(request, community, voice, rate_form=form), status=400
    )


@login_required
@require_POST
def reopen(request: HttpRequest, community_id: int, voice_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    voice = selectors.voice_get(actor=actor, voice_id=voice_id, community=community)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            voice_reopen(actor=actor, voice=voice, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            if exc.status == 403:
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("已申请重新办理，我们会尽快处理"))
            return redirect("voices:detail", community_id=community.pk, voice_id=voice.pk)
    return render(
        request,
        "voices/residents_detail.html",
        _detail_context(request, community, voice, reopen_form=form),
        status=400,
    )


@require_GET
def photo(request: HttpRequest, community_id: int, voice_id: int, photo_id: int) -> HttpResponseBase:
    """A voice's photo, only to those who may see the voice; a public voice's photos to anyone."""
    voice: Voice
    if request.user.is_authenticated:
        community = place_selectors.public_community_get(community_id=community_id)
        try:
            voice = selectors.voice_get(actor=request.user, voice_id=voice_id, community=community)
        except NotFound:
            voice = selectors.public_voice_get(community=community, voice_id=voice_id)
    else:
        community = place_selectors.public_community_get(community_id=community_id)
        voice = selectors.public_voice_get(community=community, voice_id=voice_id)
    item = selectors.voice_photo_get(voice=voice, photo_id=photo_id)
    # Private to the viewer's browser: a shared cache must not hand one resident's photo to another.
    return private_file_response(item.image, content_type=item.content_type, name=f"voice-{voice.pk}-{item.pk}")


@require_GET
def public_list(request: HttpRequest, community_id: int) -> HttpResponse:
    """Anyone, signed in or not: the public voices with status and replies; never a name, a phone or a household."""
    community = place_selectors.public_community_get(community_id=community_id)
    # The count is the same for everyone: cached until the community's next committed write.
    key = f"gongzhi:count:{community.pk}:voicespublic:{data_version(community.pk)}"
    paginator = CachedCountPaginator(selectors.public_voices(community=community), PAGE_SIZE, key=key)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "voices/residents_public.html",
        {"community": community, "page": page, "custom": _custom(community)},
    )
