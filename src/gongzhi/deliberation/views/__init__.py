"""议事厅 pages, one module per part; urls.py joins the parts' url patterns."""

from gongzhi.deliberation.views.topics import (
    ballot_evidence,
    hall,
    hot_archive,
    propose,
    topic_ballots,
    topic_comment,
    topic_detail,
    topic_result,
    topic_step,
    topic_vote,
)

__all__ = [
    "ballot_evidence",
    "hall",
    "hot_archive",
    "propose",
    "topic_ballots",
    "topic_comment",
    "topic_detail",
    "topic_result",
    "topic_step",
    "topic_vote",
]
