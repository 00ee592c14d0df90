"""社情民意 models, one module per part: voices and their timeline, routing, 双找 surveys, Open311 keys.

Each part's module lists its models in `__all__`; this package re-exports them so that Django finds every model.
"""

from gongzhi.voices.models.open311 import *  # noqa: F403
from gongzhi.voices.models.routing import *  # noqa: F403
from gongzhi.voices.models.surveys import *  # noqa: F403
from gongzhi.voices.models.voices import *  # noqa: F403
from gongzhi.voices.models.voices import party_ids_of

__all__ = [  # noqa: F405
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
