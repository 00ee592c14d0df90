"""Sign-up and waitlist: an active volunteer signs up for a session once; a full session puts them on the waitlist,
and a cancelled place goes to the first waiting, who is told.

Locks: the session's row (`session_lock`) guards its sign-ups and `confirmed_count`.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Duplicate, PermissionDenied, ValidationFailed
from gongzhi.core.models import User
from gongzhi.notifications.services import notify
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import ActivityStatus, ServiceRecord, Session, SignUp, SignUpStatus
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountMember
from gongzhi.timebank.models.volunteers import Volunteer, VolunteerStatus
from gongzhi.timebank.predicates import (
    can_run_session,
    require_member,
)
from gongzhi.timebank.services.activities import session_lock

__all__ = [
    "signup_cancel",
    "signup_create",
]


# --- sign-up and waitlist --------------------------------------------------------------------------------------


def _own_volunteer(actor: User, community: Place) -> Person:
    """The actor's own person in the community, who must be an active registered volunteer."""
    person: Person | None = (
        Person.objects.filter(
            account_id=actor.pk,
            community=community,
            pk__in=Volunteer.objects.filter(community=community, status=VolunteerStatus.ACTIVE).values("person_id"),
        )
        .order_by("id")
        .first()
    )
    if person is None:
        raise ValidationFailed(
            _("您还不是本社区在册的志愿者，请先到社区登记注册志愿者后再报名"), code=Code.NOT_VOLUNTEER
        )
    return person


def _check_card(card: Account, person: Person) -> None:
    if (
        card.kind not in COLLECTIVE_KINDS
        or card.community_id != person.community_id
        or not card.is_active
        or not AccountMember.objects.filter(account=card, person=person).exists()
    ):
        raise ValidationFailed(
            _("您不是这张集体卡的成员，不能以它的名义服务"), code=Code.NOT_A_MEMBER, extra={"field": "card"}
        )


@transaction.atomic
def signup_create(
    *, actor: User, session: Session, card: Account | None = None, now: datetime.datetime | None = None
) -> SignUp:
    """An active volunteer of the community signs up for a session, once. Under the session's row lock: a free
    place confirms (and counts), a full session puts them on the waitlist at the next position. With `card`, a
    collective card they are a member of, the points of this service will go to the card."""
    session = session_lock(session)
    community = session.community
    require_member(actor, community)
    now = now or timezone.now()
    if session.is_cancelled or session.activity.status != ActivityStatus.OPEN:
        raise ValidationFailed(_("这个场次已取消，不能报名"), code=Code.SESSION_CANCELLED)
    if session.ends_at <= now:
        raise ValidationFailed(_("这个场次已经结束，不能报名"), code=Code.SESSION_OVER)
    person = _own_volunteer(actor, community)
    if card is not None:
        _check_card(card, person)
    signup: SignUp | None = SignUp.objects.filter(session=session, person=person).first()
    if signup is not None and signup.status != SignUpStatus.CANCELLED:
        raise Duplicate(_("您已经报名了这个场次"), code=Code.ALREADY_SIGNED_UP)
    before = {"status": signup.status} if signup is not None else None
    if signup is None:
        signup = SignUp(community=community, session=session, person=person)
    signup.card = card
    signup.updated_at = now
    if session.confirmed_count < session.capacity:
        signup.status, signup.waitlist_position = SignUpStatus.CONFIRMED, None
        Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") + 1)
        session.confirmed_count += 1
    else:
        last = SignUp.objects.filter(session=session, status=SignUpStatus.WAITLISTED).aggregate(
            last=Max("waitlist_position")
        )["last"]
        signup.status, signup.waitlist_position = SignUpStatus.WAITLISTED, (last or 0) + 1
    signup.save()
    audit.record(
        actor=actor,
        verb="timebank.signup_create",
        obj=signup,
        community_id=community.pk,
        before=before,
        after={
            "session": session.pk,
            "person": person.pk,
            "status": signup.status,
            "waitlist_position": signup.waitlist_position,
            "card": card.pk if card is not None else None,
        },
    )
    return signup


@transaction.atomic
def signup_cancel(*, actor: User, signup: SignUp, now: datetime.datetime | None = None) -> SignUp:
    """The volunteer (or the session's organiser or staff) cancels a sign-up before the session ends. Under the
    session's lock: a confirmed place goes to the first on the waitlist, who is told; the queue closes up."""
    session = session_lock(signup.session)
    signup = SignUp.objects.select_for_update().get(pk=signup.pk)
    community = session.community
    require_member(actor, community)
    own = Person.objects.filter(pk=signup.person_id, account_id=actor.pk).exists()
    if not own and not can_run_session(actor, session.activity):
        raise PermissionDenied(_("只能取消自己的报名"))
    now = now or timezone.now()
    if signup.status == SignUpStatus.CANCELLED:
        raise ValidationFailed(_("这个报名已经取消了"), code=Code.ALREADY_CANCELLED)
    if ServiceRecord.objects.filter(session=session, person_id=signup.person_id).exists():
        raise ValidationFailed(_("已经签到，不能取消报名"), code=Code.CHECKED_IN)
    if session.ends_at <= now:
        raise ValidationFailed(_("这个场次已经结束，不能取消报名"), code=Code.SESSION_OVER)
    before = {"status": signup.status, "waitlist_position": signup.waitlist_position}
    promoted: SignUp | None = None
    waiting = SignUp.objects.filter(session=session, status=SignUpStatus.WAITLISTED)
    if signup.status == SignUpStatus.CONFIRMED:
        promoted = waiting.select_related("person").order_by("waitlist_position", "id").first()
        if promoted is None:
            Session.objects.filter(pk=session.pk).update(confirmed_count=F("confirmed_count") - 1)
        else:
            promoted.status, promoted.waitlist_position, promoted.updated_at = SignUpStatus.CONFIRMED, None, now
            promoted.save(update_fields=["status", "waitlist_position", "updated_at"])
            waiting.update(waitlist_position=F("waitlist_position") - 1)
    else:
        waiting.filter(waitlist_position__gt=signup.waitlist_position or 0).update(
            waitlist_position=F("waitlist_position") - 1
        )
    signup.status, signup.waitlist_position, signup.updated_at = SignUpStatus.CANCELLED, None, now
    signup.save(update_fields=["status", "waitlist_position", "updated_at"])
    if promoted is not None and promoted.person.account_id:
        notify(
            users=[promoted.person.account_id],
            community_id=community.pk,
            kind="timebank.waitlist_promoted",
            title=_("候补成功：您已报上“%(title)s” %(when)s 的场次")
            % {"title": session.activity.title, "when": f"{timezone.localtime(session.starts_at):%m-%d %H:%M}"},
            url=reverse("timebank:activity_detail", args=[community.pk, session.activity_id]),
            dedupe_key=f"timebank-promoted-{promoted.pk}-{now.timestamp()}",
        )
    audit.record(
        actor=actor,
        verb="timebank.signup_cancel",
        obj=signup,
        community_id=community.pk,
        before=before,
        after={"status": signup.status, "promoted": promoted.pk if promoted is not None else None},
    )
    return signup
