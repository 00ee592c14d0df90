"""Intake: one service creates a voice from any channel (web, 双找, hotline/counter, meeting, Open311)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed, clean_or_fail
from gongzhi.core.models import User
from gongzhi.places.models import Grid, Household, Place
from gongzhi.rules import phone
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    OPEN311_TEXT_MAX,
    TEXT_MAX,
    Category,
    Channel,
    EventKind,
    FollowKind,
    Voice,
    VoiceFollower,
)
from gongzhi.voices.predicates import can_enter_at, can_submit_at
from gongzhi.voices.services.deadlines import voice_due_at
from gongzhi.voices.services.routing import voice_route_new
from gongzhi.voices.services.voice_steps import event_append

__all__ = ["voice_submit"]

ON_BEHALF_CHANNELS = frozenset({Channel.SURVEY, Channel.HOTLINE, Channel.COUNTER, Channel.MEETING})


def _grid_for(place: Place, household: Household | None) -> Grid | None:
    if household is not None:
        return household.grid
    # A voice about a building or a courtyard belongs to the grid most of its households are in.
    row = (
        Household.objects.filter(place_path__startswith=place.path, grid__isnull=False)
        .values_list("grid_id", flat=True)
        .order_by("place_path", "room")
        .first()
    )
    return Grid.objects.filter(pk=row).first() if row else None


_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def _contact_phone(raw: str) -> str:
    """A mobile number, or a landline with its area code (hotline callers often give one)."""
    compact = raw.strip().replace(" ", "")
    if _LANDLINE.fullmatch(compact):
        return compact
    try:
        return phone.validate(raw)
    except ValueError as exc:
        raise ValidationFailed(
            _("联系电话应为11位手机号，或带区号的固定电话"), code=Code.BAD_PHONE, extra={"field": "contact_phone"}
        ) from exc


@transaction.atomic
def voice_submit(
    *,
    actor: User | None,
    community: Place,
    place: Place,
    category: Category,
    text: str,
    is_public: bool = False,
    household: Household | None = None,
    channel: str = Channel.WEB,
    reporter: Any = None,
    reporter_person: Any = None,
    contact_name: str = "",
    contact_phone: str = "",
    photos: list[Any] | None = None,
    meeting: Any = None,
    suggestion: Any = None,
    survey_visit: Any = None,
    lat: Decimal | None = None,
    long: Decimal | None = None,
    open311_key: Any = None,
    now: Any = None,
) -> Voice:
    """Creates the voice, routes it by the routing table and sets its deadline. A resident files for themself
    (VOICE_SUBMIT); staff, grid workers and building heads enter on someone's behalf (VOICE_ENTER), audited as
    such. An Open311 integration is the actor None with its key."""
    now = now or timezone.now()
    on_behalf = channel in ON_BEHALF_CHANNELS
    if place.community_id != community.pk and place.pk != community.pk:
        raise NotFound()
    if open311_key is None:
        may = can_enter_at if on_behalf else can_submit_at
        if not may(actor, community_id=community.pk, path=place.path):
            raise PermissionDenied(_("您没有代居民登记诉求的权限") if on_behalf else _("只有本社区的居民可以反映问题"))
    elif open311_key.community_id != community.pk:
        raise NotFound()
    if category.community_id != community.pk:
        raise NotFound()
    if not category.is_active:
        raise ValidationFailed(_("该类别已停用，请另选类别"), code=Code.CATEGORY_INACTIVE, extra={"field": "category"})
    if household is not None and (
        household.community_id != community.pk
        or (not household.place_path.startswith(place.path) and not place.path.startswith(household.place_path))
    ):
        raise ValidationFailed(_("所选住户不在该地点"), code=Code.HOUSEHOLD_PLACE, extra={"field": "household"})
    # Open311's POST follows its spec: the description is optional (the category and the place say what and
    # where) and may run to 4,000 characters. Every other channel keeps the web form's limit and needs a text.
    by_spec = channel == Channel.OPEN311
    body = clean_or_fail(
        text,
        label=_("内容"),
        max_length=OPEN311_TEXT_MAX if by_spec else TEXT_MAX,
        field="text",
        required=None if by_spec else _("请填写您要反映的问题"),
        required_code=Code.TEXT_REQUIRED,
    )
    if contact_phone:
        contact_phone = _contact_phone(contact_phone)
    contact_name = clean_or_fail(contact_name, label=_("联系人"), max_length=50, field="contact_name")
    if reporter is None and not on_behalf and open311_key is None:
        reporter = actor
    grid = _grid_for(place, household)
    voice = Voice(
        community_id=community.pk,
        category=category,
        place=place,
        place_path=place.path,
        household=household,
        grid=grid,
        grid_path=grid.path if grid else "",
        text=body,
        is_public=bool(is_public),
        channel=channel,
        reporter=reporter,
        reporter_person=reporter_person,
        contact_name=contact_name,
        contact_phone=contact_phone,
        entered_by=actor if on_behalf else None,
        meeting=meeting,
        suggestion=suggestion,
        survey_visit=survey_visit,
        lat=lat,
        long=long,
        open311_key=open311_key,
        created_at=now,
    )
    party = voice_route_new(voice=voice)
    if party is not None:
        voice.party, voice.assigned_at = party, now
    voice.due_at = voice_due_at(category=category, start=now)
    voice.full_clean(exclude=["token"])
    voice.save()
    if reporter is not None:
        VoiceFollower.objects.create(community_id=community.pk, voice=voice, user=reporter, kind=FollowKind.REPORTER)
    event_append(voice=voice, kind=EventKind.SUBMITTED, actor=actor, at=now, to_status=voice.status)
    if party is not None:
        event_append(voice=voice, kind=EventKind.ASSIGNED, actor=None, party=party, actor_label=party.name, at=now)
    if photos:
        from gongzhi.voices.services.photos import photos_attach

        photos_attach(voice=voice, files=photos)
    audit.record(
        actor=actor,
        verb="voice.submit",
        obj=voice,
        community_id=community.pk,
        on_behalf_of=(voice.contact_name or str(getattr(reporter_person, "pk", "") or "")) if on_behalf else "",
        after={
            "channel": channel,
            "category": category.code,
            "place": place.pk,
            "party": party.pk if party else None,
            "public": voice.is_public,
            "photos": len(photos or []),
            "open311_key": open311_key.pk if open311_key else None,
        },
    )
    voice_pk = voice.pk
    transaction.on_commit(lambda: _after_submit(voice_pk))
    return voice


def _after_submit(voice_id: int) -> None:
    from gongzhi.voices.similarity import index_voice_changed

    index_voice_changed(voice_id=voice_id)
