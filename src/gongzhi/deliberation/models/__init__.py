"""议事厅 models, one module per part: topics and owners' ballots, 团队共创, opinion maps, meetings, ballot sheets.

Each part's module lists its models in `__all__`; this package re-exports them so that Django finds every model.
"""

from gongzhi.deliberation.models.assemblies import *  # noqa: F403
from gongzhi.deliberation.models.cocreation import *  # noqa: F403
from gongzhi.deliberation.models.meetings import *  # noqa: F403
from gongzhi.deliberation.models.opinion import *  # noqa: F403
from gongzhi.deliberation.models.sheets import *  # noqa: F403
from gongzhi.deliberation.models.topics import (
    Ballot,
    Channel,
    Choice,
    Comment,
    ElevatorCoefficients,
    ElevatorPlan,
    Matter,
    Objection,
    Procedure,
    ProposalVersion,
    Status,
    Topic,
    TopicEvent,
    TopicManager,
    TopicQuerySet,
    ancestor_paths,
)

__all__ = [
    "Ballot",
    "Channel",
    "Choice",
    "Comment",
    "ElevatorCoefficients",
    "ElevatorPlan",
    "Matter",
    "Objection",
    "Procedure",
    "ProposalVersion",
    "Status",
    "Topic",
    "TopicEvent",
    "TopicManager",
    "TopicQuerySet",
    "ancestor_paths",
]
