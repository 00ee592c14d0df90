"""The voices JSON API under /api/communities/{id}/voices: the inbox for those who handle voices (a resident gets
their own and followed ones), one voice with its public timeline, and filing a voice. Never a name or a phone:
integrations get the problem and its handling, not the person; phones and ID numbers typed into a text are masked."""

from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam

from gongzhi.core.api_schema import Id, Paging, errors
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.http import actor_of
from gongzhi.core.usertext import masked
from gongzhi.places import selectors as place_selectors
from gongzhi.voices.errors import Code
from gongzhi.voices.models import Voice, status_label
from gongzhi.voices.selectors import inbox as selectors
from gongzhi.voices.services.intake import voice_submit

router = Router(tags=["voices"])


class VoiceOrder(StrEnum):
    """The inbox's orderings (selectors.inbox.ORDERINGS): newest, oldest, soonest due, most "me too"s."""

    NEW = "new"
    OLD = "old"
    DUE = "due"
    SUPPORT = "support"


class VoiceOut(Schema):
    id: int
    category: str
    category_name: str
    place_id: int
    place_name: str
    text: str
    status: str
    status_label: str
    is_open: bool
    is_public: bool
    channel: str
    party: str | None
    support_count: int
    overdue: bool
    created_at: datetime.datetime
    due_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    merged_into: int | None
    topic_id: int | None


class VoicePage(Schema):
    count: int
    results: list[VoiceOut]


class VoiceEventOut(Schema):
    """A public step of a voice's timeline (named apart from the topic's TopicEventOut)."""

    kind: str
    label: str
    by: str
    body: str
    from_status: str
    to_status: str
    at: datetime.datetime


class VoiceDetailOut(VoiceOut):
    public_reason: str
    rating: int | None
    timeline: list[VoiceEventOut]


class VoiceIn(Schema):
    category: str
    place: Id
    text: str
    is_public: bool = False


def _custom(community_id: int) -> dict[str, str]:
    return selectors.custom_status_names(community_id=community_id)


def _out(voice: Voice, custom: dict[str, str], now: datetime.datetime) -> dict[str, Any]:
    return {
        "id": voice.pk,
        "category": voice.category.code,
        "category_name": voice.category.name,
        "place_id": voice.place_id,
        "place_name": voice.place.name,
        "text": masked(voice.text),
        "status": voice.status,
        "status_label": status_label(voice.status, custom),
        "is_open": voice.is_open,
        "is_public": voice.is_public,
        "channel": voice.channel,
        "party": voice.party.name if voice.party_id and voice.party is not None else None,
        "support_count": voice.support_count,
        "overdue": bool(voice.is_open and voice.due_at and voice.due_at < now),
        "created_at": voice.created_at,
        "due_at": voice.due_at,
        "closed_at": voice.closed_at,
        "merged_into": voice.merged_into_id,
        "topic_id": voice.topic_id,
    }


@router.get(
    "/{community_id}/voices",
    response={200: VoicePage, **errors(404)},
    summary="Voices: the inbox, or a resident's own",
)
def voice_list(
    request: HttpRequest,
    community_id: Id,
    paging: Query[Paging],
    # Not an enum: besides open, closed and the built-in statuses, a community defines statuses of its own.
    state: str = QueryParam(
        "", max_length=30, description="open, closed, or a status code (built-in or the community's own)"
    ),
    category: Id | None = None,
    party: Id | None = None,
    overdue: bool = False,
    place: Id | None = None,
    q: str = QueryParam("", max_length=50),
    order: VoiceOrder = VoiceOrder.NEW,
) -> VoicePage:
    """Those who handle voices get their inbox, with its filters; everyone else the voices they raised or follow."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    filters = selectors.InboxFilters(
        state=state,
        category=category,
        party=party,
        overdue=overdue,
        place=place,
        q=q,
        order=order.value,
    )
    qs = selectors.api_voice_list(actor=actor, community=community, filters=filters)
    custom, now = _custom(community.pk), timezone.now()
    page = qs[paging.offset : paging.offset + paging.limit]
    return VoicePage(count=qs.count(), results=[VoiceOut(**_out(v, custom, now)) for v in page])


@router.get(
    "/{community_id}/voices/{voice_id}",
    response={200: VoiceDetailOut, **errors(404)},
    summary="One voice and its public timeline",
)
def voice_detail(request: HttpRequest, community_id: Id, voice_id: Id) -> VoiceDetailOut:
    """Whoever may see the voice; the timeline is the public one (no internal notes), labelled by party, not name."""
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    voice = selectors.api_voice_get(actor=actor_of(request), community=community, voice_id=voice_id)
    custom = _custom(community.pk)
    events = selectors.public_timeline(voice=voice)
    return VoiceDetailOut(
        **_out(voice, custom, timezone.now()),
        public_reason=masked(voice.public_reason),
        rating=voice.rating,
        timeline=[
            VoiceEventOut(
                kind=e.kind,
                label=str(e.get_kind_display()),
                by=e.actor_label,
                body=masked(e.body),
                from_status=e.from_status,
                to_status=e.to_status,
                at=e.created_at,
            )
            for e in events
        ],
    )


@router.post(
    "/{community_id}/voices",
    response={201: VoiceDetailOut, **errors(403, 404)},
    summary="A resident files a voice",
)
def voice_create(request: HttpRequest, community_id: Id, payload: VoiceIn) -> Status[VoiceDetailOut]:
    """The same service as the report page: the category by its code, the place by its id in the community."""
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    category = selectors.category_by_code(community=community, code=payload.category)
    if category is None:
        raise ValidationFailed(_("请选择有效的类别"), code=Code.BAD_CATEGORY, extra={"field": "category"})
    place = selectors.place_in_or_none(community=community, place_id=payload.place)
    if place is None:
        raise ValidationFailed(_("请选择本社区内的地点"), code=Code.BAD_PLACE, extra={"field": "place"})
    voice = voice_submit(
        actor=actor_of(request),
        community=community,
        place=place,
        category=category,
        text=payload.text,
        is_public=payload.is_public,
    )
    return Status(201, voice_detail(request, community.pk, voice.pk))
