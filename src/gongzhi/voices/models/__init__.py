"""社情民意 models, one module per part: voices and their timeline, routing, 双找 surveys, Open311 keys.

Each model is imported here by name so that Django registers it; the parts' choices, limits and helpers are
re-exported beside them because every layer of the app reads them with the models."""

from gongzhi.voices.models.open311 import Open311Key
from gongzhi.voices.models.routing import CalendarDay, Party, PartyKind, PartyMember, Route
from gongzhi.voices.models.surveys import Survey, SurveyVisit, VisitOutcome
from gongzhi.voices.models.voices import (
    OPEN311_TEXT_MAX,
    OPEN_STATUSES,
    TEXT_MAX,
    Category,
    Channel,
    CustomStatus,
    EventKind,
    FollowKind,
    Status,
    Voice,
    VoiceEvent,
    VoiceFollower,
    VoiceManager,
    VoicePhoto,
    VoiceQuerySet,
    party_ids_of,
    status_label,
)

__all__ = [
    "OPEN311_TEXT_MAX",
    "OPEN_STATUSES",
    "TEXT_MAX",
    "CalendarDay",
    "Category",
    "Channel",
    "CustomStatus",
    "EventKind",
    "FollowKind",
    "Open311Key",
    "Party",
    "PartyKind",
    "PartyMember",
    "Route",
    "Status",
    "Survey",
    "SurveyVisit",
    "VisitOutcome",
    "Voice",
    "VoiceEvent",
    "VoiceFollower",
    "VoiceManager",
    "VoicePhoto",
    "VoiceQuerySet",
    "party_ids_of",
    "status_label",
]
