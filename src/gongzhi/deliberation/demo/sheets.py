"""Demo ballot sheets: the 花园颐院 courtyard-rules vote gets its printed sheets, one serial per household."""

from __future__ import annotations

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Topic
from gongzhi.places.models import Place


def load(*, street: Place, communities: dict[str, Place], password: str) -> None:
    """Called once by load_deliberation_demo inside its transaction, after the topics of demo/topics.py exist.

    The paper ballots demo/topics.py entered before keep their HY- numbers (sheets printed elsewhere, entered by
    ID number); the households that have not voted yet can be entered from these sheets by serial."""
    topic = Topic.objects.filter(title="花园颐院院落管理制度", status="voting").select_related("proposed_by").first()
    if topic is not None:
        services.sheet_issue(actor=topic.proposed_by, topic=topic)
