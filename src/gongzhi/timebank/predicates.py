"""Who may act in the time bank. Services, selectors and views all ask these, so the API, the admin and tasks cannot
slip past a page's check.

Two kinds of name:
- `can_*`, `in_community`, `owns_account`…: a question, answered True or False, never a query per row when the
  caller passes what it already has;
- `require_*`: the same question as a refusal — `NotFound` (404) for a user without a role in the community
  (its rows do not exist for them), `PermissionDenied` (403, with the Chinese message) for one who sees the thing
  but may not act on it.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import Viewer
from gongzhi.core.permissions import Action
from gongzhi.core.scoping import CommunityOwned, grants_allowing, grants_for, user_can
from gongzhi.people.models import Person
from gongzhi.places.models import Household, Place, PlaceKind
from gongzhi.timebank.errors import Code
from gongzhi.timebank.models.activities import Activity, RecordSource, ServiceRecord
from gongzhi.timebank.models.catalogue import Item, Redemption
from gongzhi.timebank.models.exchange import Exchange
from gongzhi.timebank.models.ledger import COLLECTIVE_KINDS, Account, AccountKind, AccountManager

__all__ = [
    "can_approve_help",
    "can_complete_redemption",
    "can_decide_record",
    "can_manage_catalogue",
    "can_manage_volunteers",
    "can_run_session",
    "can_run_stamps",
    "can_set_up_skills",
    "can_train",
    "grid_reaches_record",
    "in_community",
    "is_own_person",
    "is_timebank_staff",
    "own_person",
    "owns_account",
    "provides_in",
    "reaches_place",
    "record_activity",
    "redeemed_by",
    "require_account_owner",
    "require_catalogue_manager",
    "require_exchange_party",
    "require_member",
    "require_place_in",
    "require_record_decider",
    "require_same_community",
    "require_session_runner",
    "require_staff",
    "require_street",
    "require_volunteer_manager",
]


# --- the community ---------------------------------------------------------------------------------------------


def in_community(user: Viewer | None, community: Place) -> bool:
    """Whether the user holds any role reaching the community (else its accounts do not exist for them)."""
    for grant in grants_for(user):
        if grant.community_id == community.pk:
            return True
        if grant.community_id is None and grant.place_path and community.path.startswith(grant.place_path):
            return True
    return False


def require_member(user: Viewer | None, community: Place) -> None:
    """404 for a user (or anonymous visitor) without a role in the community."""
    if not in_community(user, community):
        raise NotFound()


def require_staff(
    user: Viewer, community: Place, actions: Action | tuple[Action, ...], message: str | None = None
) -> None:
    """404 for a user without a role in the community, 403 for one whose role allows none of `actions`."""
    require_member(user, community)
    wanted = (actions,) if isinstance(actions, Action) else actions
    if not any(user_can(user, action, community) for action in wanted):
        raise PermissionDenied(message)


def require_same_community(row: CommunityOwned | None, community: Place) -> None:
    """A row named in a request belongs to the URL's community, else it does not exist here (404)."""
    if row is not None and row.community_id != community.pk:
        raise NotFound()


def require_place_in(place: Place | None, community: Place) -> None:
    """A place named in a request is the community or lies under it, else it does not exist here (404)."""
    if place is not None and not (place.pk == community.pk or place.path.startswith(community.path)):
        raise NotFound()


def is_own_person(user: Viewer, person_id: int | None) -> bool:
    """The resident record is the user's own."""
    return person_id is not None and Person.objects.filter(pk=person_id, account_id=user.pk).exists()


def own_person(user: Viewer, community: Place, message: str) -> Person:
    """The user's own resident record in the community: 404 outside it, 403 (`no_person`) for a user with a role
    here but no resident record (staff act for themselves only as residents)."""
    require_member(user, community)
    person: Person | None = Person.objects.filter(account_id=user.pk, community_id=community.pk).first()
    if person is None:
        raise PermissionDenied(message, code=Code.NO_PERSON)
    return person


# --- staff roles -----------------------------------------------------------------------------------------------


def is_timebank_staff(user: Viewer, community: Place) -> bool:
    """Community staff (书记/社工): they may run any session and decide any record of the community."""
    return user_can(user, Action.TIMEBANK_ISSUE, community)


def can_manage_volunteers(user: Viewer, community: Place) -> bool:
    return user_can(user, Action.TIMEBANK_VOLUNTEERS, community)


def can_run_stamps(user: Viewer, community: Place) -> bool:
    return user_can(user, Action.TIMEBANK_STAMPS, community)


def can_approve_help(user: Viewer, community: Place) -> bool:
    return user_can(user, Action.TIMEBANK_APPROVE_HELP, community)


def can_train(user: Viewer, community: Place) -> bool:
    return user_can(user, Action.TIMEBANK_TRAINING, community)


def can_set_up_skills(user: Viewer, community: Place) -> bool:
    """Skills and service types are set up by whoever manages accounts or training."""
    return user_can(user, Action.TIMEBANK_ACCOUNTS, community) or user_can(user, Action.TIMEBANK_TRAINING, community)


def can_manage_catalogue(user: Viewer, community: Place) -> bool:
    return user_can(user, Action.TIMEBANK_CATALOGUE, community)


def require_street(user: Viewer, street: Place, action: Action, message: str) -> None:
    """404 for a user with no role on the street or its communities, 403 for one whose roles may not do this."""
    if street.kind != PlaceKind.STREET:
        raise NotFound()
    grants = grants_for(user)
    if not any((g.place_path or g.household_path or "").startswith(street.path) for g in grants):
        # A grid worker's grant names its community, not a path under the street.
        communities = set(Place.objects.filter(parent_id=street.pk).values_list("pk", flat=True))
        if not any(g.community_id in communities for g in grants):
            raise NotFound()
    if not user_can(user, action, street):
        raise PermissionDenied(message)


def require_volunteer_manager(user: Viewer, community: Place, message: str | None = None) -> None:
    require_staff(user, community, Action.TIMEBANK_VOLUNTEERS, message or _("只有社区工作人员可以管理志愿者"))


def require_catalogue_manager(user: Viewer, community: Place) -> None:
    require_staff(user, community, Action.TIMEBANK_CATALOGUE, _("只有社区工作人员可以管理积分兑换目录"))


def reaches_place(user: Viewer, action: Action, place: Place) -> bool:
    """Whether a grant for `action` covers the place: the whole community, a subtree holding it, or a grid with a
    household at or under it."""
    for grant in grants_allowing(user, action):
        if grant.community_id is None:
            if grant.place_path and place.path.startswith(grant.place_path):
                return True
            continue
        if grant.community_id != place.community_id and grant.community_id != place.pk:
            continue
        if grant.whole_community or (grant.place_path and place.path.startswith(grant.place_path)):
            return True
        if (
            grant.grid_path
            and Household.objects.filter(place_path__under=place.path, grid_path__under=grant.grid_path).exists()
        ):
            return True
    return False


# --- accounts --------------------------------------------------------------------------------------------------


def owns_account(user: Viewer, account: Account) -> bool:
    """The user is the holder of the individual account, or a manager of the card."""
    if account.kind == AccountKind.INDIVIDUAL:
        return is_own_person(user, account.person_id)
    if account.kind in COLLECTIVE_KINDS:
        return AccountManager.objects.filter(account=account, person__account_id=user.pk).exists()
    return False


def require_account_owner(user: Viewer | None, account: Account) -> None:
    """The holder of an individual account, or a manager of a card; 404 outside the community."""
    if user is None or not user.is_authenticated:
        raise NotFound()
    if owns_account(user, account):
        return
    community: Place = account.community
    require_member(user, community)
    if account.kind in COLLECTIVE_KINDS:
        raise PermissionDenied(_("只有集体卡的管理人可以使用这张卡的积分"))
    raise PermissionDenied(_("只能使用自己的积分账户"))


# --- activities and service records ----------------------------------------------------------------------------


def can_run_session(user: Viewer, activity: Activity) -> bool:
    """The activity's organiser, or community staff, scan codes, enter paper sheets and cancel."""
    return bool(activity.organiser_id == user.pk or is_timebank_staff(user, activity.community))


def require_session_runner(user: Viewer, activity: Activity) -> None:
    require_member(user, activity.community)
    if not can_run_session(user, activity):
        raise PermissionDenied(_("只有活动的组织者或社区工作人员可以办理签到"))


def grid_reaches_record(user: Viewer, record: ServiceRecord) -> bool:
    """A grid worker's grid reaches a resident-to-resident record by the volunteer's grid, else by its place."""
    for grant in grants_allowing(user, Action.TIMEBANK_APPROVE_HELP):
        if grant.community_id != record.community_id:
            continue
        if grant.grid_path and record.grid_path and record.grid_path.startswith(grant.grid_path):
            return True
        if grant.place_path and record.place_path.startswith(grant.place_path):
            return True
    return False


def can_decide_record(user: Viewer, record: ServiceRecord, activity: Activity | None) -> bool:
    """Who approves or rejects a record: community staff; the organiser of the record's activity (their own
    activities only); for resident-to-resident help, the grid worker whose grid reaches it. `activity` is the
    record's session's activity, passed in so that a list of records costs no query per row."""
    if is_timebank_staff(user, record.community):
        return True
    if record.source == RecordSource.EXCHANGE:
        return grid_reaches_record(user, record)
    return activity is not None and activity.organiser_id == user.pk


def record_activity(record: ServiceRecord) -> Activity | None:
    """The activity of the record's session, if it came from one."""
    return record.session.activity if record.session_id and record.session is not None else None


def require_record_decider(user: Viewer, record: ServiceRecord) -> None:
    """`can_decide_record` as a refusal; nobody decides their own record."""
    require_member(user, record.community)
    if not can_decide_record(user, record, record_activity(record)):
        if record.source == RecordSource.EXCHANGE:
            raise PermissionDenied(_("只有所在网格的网格员或社区工作人员可以审核邻里互助"))
        raise PermissionDenied(_("只有本活动的组织者或社区工作人员可以审核服务时长"))
    if is_own_person(user, record.person_id):
        raise PermissionDenied(_("不能审核自己的服务记录"))


# --- resident exchange -----------------------------------------------------------------------------------------


def require_exchange_party(user: Viewer, exchange: Exchange, person_id: int, message: str) -> None:
    """The user is the resident `person_id` of the exchange; 404 outside the community, else 403."""
    if is_own_person(user, person_id):
        return
    require_member(user, exchange.community)
    raise PermissionDenied(message)


# --- the catalogue ---------------------------------------------------------------------------------------------


def can_complete_redemption(user: Viewer, item: Item) -> bool:
    """The item's provider (its login, or its volunteer's) or staff with TIMEBANK_CATALOGUE complete its codes."""
    if item.provider_user_id is not None and item.provider_user_id == user.pk:
        return True
    if item.provider_person_id is not None and is_own_person(user, item.provider_person_id):
        return True
    return user_can(user, Action.TIMEBANK_CATALOGUE, item.community)


def provides_in(user: Viewer | None, community: Place) -> bool:
    """Whether the user completes codes in the community: staff with TIMEBANK_CATALOGUE, or the provider of one
    of its items (a partner business's login, a certified volunteer)."""
    if user is None or not user.is_authenticated:
        return False
    if user_can(user, Action.TIMEBANK_CATALOGUE, community):
        return True
    return Item.objects.filter(
        Q(provider_user_id=user.pk) | Q(provider_person__account_id=user.pk), community=community
    ).exists()


def redeemed_by(user: Viewer, redemption: Redemption) -> bool:
    """The user made the redemption, or it was made for their own resident record."""
    return redemption.created_by_id == user.pk or is_own_person(user, redemption.person_id)
