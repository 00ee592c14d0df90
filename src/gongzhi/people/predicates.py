"""Permission questions on residents: the register, sensitive fields and tags, accounts, corrections, the import.

A `…_in` / community predicate answers for the page (does some role reach this community); an object predicate
answers for one row (does a role reach this person, household or request), which is what a service asks before a
write. Built on `core.scoping`; `actor None` (the system) is the services' business, not a predicate's."""

from __future__ import annotations

from gongzhi.core.models import Viewer
from gongzhi.core.permissions import REVEAL_ACTIONS, Action
from gongzhi.core.scoping import user_can
from gongzhi.people.models import CorrectionRequest, Person
from gongzhi.places.models import Household, Place

# The tag categories a role may be refused (the other reveal kinds, id_number and phone, are fields, not tags).
SENSITIVE_CATEGORIES = ("party", "disability", "low_income")


def can_view_people(user: Viewer, community: Place) -> bool:
    """The register of the community (its list, the people API)."""
    return user_can(user, Action.PERSON_VIEW, community)


def can_change_people(user: Viewer, community: Place) -> bool:
    """Adding and editing residents somewhere in the community (the page shows its forms)."""
    return user_can(user, Action.PERSON_CHANGE, community)


def can_change_person(user: Viewer, person: Person) -> bool:
    """Editing this resident: a role that may change people reaches them."""
    return Person.objects.restrict(user, Action.PERSON_CHANGE).filter(pk=person.pk).exists()


def can_change_household(user: Viewer, household: Household) -> bool:
    """Adding residents or owners to this household."""
    return Household.objects.restrict(user, Action.PERSON_CHANGE).filter(pk=household.pk).exists()


def can_change_people_at(user: Viewer, place: Place) -> bool:
    """Adding a resident with no household at this place (a community's registered non-residents)."""
    return Place.objects.restrict(user, Action.PERSON_CHANGE).filter(pk=place.pk).exists()


def can_export_people(user: Viewer, community: Place) -> bool:
    """The residents' and households' workbooks."""
    return user_can(user, Action.PERSON_EXPORT, community)


def can_reveal_in(user: Viewer, community: Place, kind: str) -> bool:
    """Whether a role of the user sees `kind` (a key of `REVEAL_ACTIONS`: id_number, phone, party…) in full here."""
    return kind in REVEAL_ACTIONS and user_can(user, REVEAL_ACTIONS[kind], community)


def can_reveal(user: Viewer, person: Person, kind: str) -> bool:
    """Whether a role of the user that sees `kind` in full reaches this person."""
    return kind in REVEAL_ACTIONS and Person.objects.restrict(user, REVEAL_ACTIONS[kind]).filter(pk=person.pk).exists()


def revealable_kinds(user: Viewer, community: Place) -> dict[str, bool]:
    """Each reveal kind → whether the user may see it in full in this community (the detail page's buttons)."""
    return {kind: user_can(user, action, community) for kind, action in REVEAL_ACTIONS.items()}


def visible_tag_categories(user: Viewer, community: Place) -> set[str]:
    """The sensitive tag categories the user may see in full, and so set, filter and count, in this community."""
    return {kind for kind in SENSITIVE_CATEGORIES if can_reveal_in(user, community, kind)}


def can_set_tag(user: Viewer, community: Place, sensitive_as: str) -> bool:
    """A sensitive tag is set, removed or created only by a role that may see its category."""
    return not sensitive_as or can_reveal_in(user, community, sensitive_as)


def can_manage_tags(user: Viewer, community: Place) -> bool:
    """The community's own tags are its administrators'."""
    return user_can(user, Action.ADMIN, community)


def can_create_accounts(user: Viewer, community: Place) -> bool:
    """Opening accounts for residents somewhere in the community (the detail page's form)."""
    return user_can(user, Action.ACCOUNT_CREATE, community)


def can_create_account(user: Viewer, person: Person) -> bool:
    """Opening an account for this resident."""
    return Person.objects.restrict(user, Action.ACCOUNT_CREATE).filter(pk=person.pk).exists()


def can_handle_corrections(user: Viewer, community: Place) -> bool:
    """The community's list of correction requests."""
    return user_can(user, Action.CORRECTION_HANDLE, community)


def can_handle_correction(user: Viewer, request: CorrectionRequest) -> bool:
    """Accepting or rejecting this request."""
    return CorrectionRequest.objects.restrict(user, Action.CORRECTION_HANDLE).filter(pk=request.pk).exists()


def can_import(user: Viewer, community: Place) -> bool:
    """The 台账 import pages of the community."""
    return user_can(user, Action.PERSON_IMPORT, community)


def can_import_into(user: Viewer, target_id: int) -> bool:
    """Importing a 台账 into this node (the community or a place under it); by id, as a job holds its target's."""
    return Place.objects.restrict(user, Action.PERSON_IMPORT).filter(pk=target_id).exists()
