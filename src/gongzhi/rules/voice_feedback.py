"""After a voice is closed: the resident's satisfaction (满意度回访), one reopening, and "me too".

《国务院办公厅关于进一步优化地方政务服务便民热线的指导意见》(国办发〔2020〕53号) asks that each matter be
answered, its handling visited back (回访) and its result rated by the person who raised it, and that a matter
closed without being solved can be taken up again. Here:

- only the person who raised the voice rates it, once, 1 to 5, and only when it is closed (办结 or 不予受理);
  a duplicate merged into another voice is rated on that voice;
- an unsatisfied reporter may reopen it once, with a reason, within a window after closure; a reporter who rated
  it satisfied (4 or 5) has said it is solved, so reopening is for voices rated 1–3 or not yet rated. The window is
  7 days by default: a week covers a resident checking a repair over a weekend and a fix that fails again
  within days (a lamp, a lock), while a problem that comes back later is a new voice with its own deadline
  rather than an old one that never seems to end;
- anyone of the community may add "me too" (+1) to an open voice that is not their own, once.

Pure: no Django, no I/O. Each function returns None when the step is allowed, or the refusal's code; services
turn a code into its Chinese message.
"""

from __future__ import annotations

import datetime
from typing import Final

__all__ = [
    "RATED_SATISFIED",
    "RATING_MAX",
    "RATING_MIN",
    "REOPEN_WINDOW",
    "me_too_refusal",
    "rate_refusal",
    "rated_this_round",
    "reopen_deadline",
    "reopen_refusal",
]

RATING_MIN: Final = 1
RATING_MAX: Final = 5
REOPEN_WINDOW: Final = datetime.timedelta(days=7)
REOPEN_MAX: Final = 1

NOT_REPORTER: Final = "not_reporter"
NOT_CLOSED: Final = "not_closed"
ALREADY_RATED: Final = "already_rated"
BAD_RATING: Final = "bad_rating"
ALREADY_REOPENED: Final = "already_reopened"
WINDOW_PASSED: Final = "reopen_window_passed"
OWN_VOICE: Final = "own_voice"
ALREADY_ME_TOO: Final = "already_me_too"
VOICE_CLOSED: Final = "voice_closed"
RATED_SATISFIED: Final = "rated_satisfied"
SATISFIED_FROM: Final = 4


def _closed(*, is_open: bool, is_merged: bool, closed_at: datetime.datetime | None) -> bool:
    return not is_open and not is_merged and closed_at is not None


def rate_refusal(
    *,
    is_reporter: bool,
    is_open: bool,
    is_merged: bool,
    closed_at: datetime.datetime | None,
    already_rated: bool,
    rating: object,
) -> str | None:
    """Why the actor may not give this rating now, or None. Who first, then the voice's state, then the value."""
    if not is_reporter:
        return NOT_REPORTER
    if not _closed(is_open=is_open, is_merged=is_merged, closed_at=closed_at):
        return NOT_CLOSED
    if already_rated:
        return ALREADY_RATED
    # bool is an int in Python; a checkbox's True is not a score.
    if not isinstance(rating, int) or isinstance(rating, bool) or not RATING_MIN <= rating <= RATING_MAX:
        return BAD_RATING
    return None


def rated_this_round(rated_at: datetime.datetime | None, closed_at: datetime.datetime | None) -> bool:
    """Whether the latest closure has been rated. After a reopening the first rating stays (it counts in the
    statistics until replaced), and the resident rates the final outcome once the voice is closed again."""
    return rated_at is not None and closed_at is not None and rated_at >= closed_at


def reopen_deadline(closed_at: datetime.datetime, window: datetime.timedelta = REOPEN_WINDOW) -> datetime.datetime:
    """The last moment a closed voice may be reopened."""
    return closed_at + window


def reopen_refusal(
    *,
    is_reporter: bool,
    is_open: bool,
    is_merged: bool,
    closed_at: datetime.datetime | None,
    reopen_count: int,
    now: datetime.datetime,
    window: datetime.timedelta = REOPEN_WINDOW,
    rating: int | None = None,
) -> str | None:
    """Why the actor may not reopen the voice at `now`, or None. The window includes its last moment."""
    if not is_reporter:
        return NOT_REPORTER
    if reopen_count >= REOPEN_MAX:
        return ALREADY_REOPENED
    if not _closed(is_open=is_open, is_merged=is_merged, closed_at=closed_at):
        return NOT_CLOSED
    assert closed_at is not None  # _closed checked it
    if rating is not None and rating >= SATISFIED_FROM:
        return RATED_SATISFIED
    if now > reopen_deadline(closed_at, window):
        return WINDOW_PASSED
    return None


def me_too_refusal(*, is_reporter: bool, already_following: bool, is_open: bool) -> str | None:
    """Why the actor may not add "me too" to the voice, or None. A follower of any kind (its reporter, an
    earlier "me too", a merged duplicate's reporter) is already counted."""
    if is_reporter:
        return OWN_VOICE
    if already_following:
        return ALREADY_ME_TOO
    if not is_open:
        return VOICE_CLOSED
    return None
