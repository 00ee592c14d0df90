"""The one permission layer: which role may do which action. Where it may do it comes from scoping."""

from enum import StrEnum

from gongzhi.core.roles import Role


class Action(StrEnum):
    PLACE_VIEW = "place.view"
    PLACE_CHANGE = "place.change"
    HOUSEHOLD_VIEW = "household.view"
    PERSON_VIEW = "person.view"
    PERSON_CHANGE = "person.change"
    PERSON_IMPORT = "person.import"
    PERSON_EXPORT = "person.export"
    REVEAL_ID_NUMBER = "person.reveal.id_number"
    REVEAL_PHONE = "person.reveal.phone"
    REVEAL_PARTY = "person.reveal.party"
    REVEAL_DISABILITY = "person.reveal.disability"
    REVEAL_LOW_INCOME = "person.reveal.low_income"
    ACCOUNT_CREATE = "account.create_for_resident"
    CORRECTION_HANDLE = "correction.handle"
    COMMUNITY_AGGREGATES = "community.aggregates"
    AUDIT_VIEW = "audit.view"
    ADMIN = "admin.access"
    TOPIC_VIEW = "topic.view"
    TOPIC_PROPOSE = "topic.propose"
    TOPIC_PARTICIPATE = "topic.participate"
    TOPIC_REVISE = "topic.revise"
    TOPIC_MANAGE = "topic.manage"
    MEETING_RECORD = "meeting.record"
    VOICE_SUBMIT = "voice.submit"
    VOICE_ENTER = "voice.enter_on_behalf"
    VOICE_HANDLE = "voice.handle"
    VOICE_MANAGE = "voice.manage"
    VOICE_STATS = "voice.stats"
    SURVEY_VISIT = "survey.visit"
    TIMEBANK_VIEW = "timebank.view"
    TIMEBANK_ISSUE = "timebank.issue"
    TIMEBANK_REVERSE = "timebank.reverse"
    TIMEBANK_ADJUST = "timebank.adjust"
    TIMEBANK_ACCOUNTS = "timebank.accounts"
    TIMEBANK_ORGANISE = "timebank.organise"
    TIMEBANK_APPROVE_HELP = "timebank.approve_help"
    TIMEBANK_CATALOGUE = "timebank.catalogue"
    TIMEBANK_VOLUNTEERS = "timebank.volunteers"
    TIMEBANK_TRAINING = "timebank.training"
    TIMEBANK_STAMPS = "timebank.stamps"
    TIMEBANK_STATS = "timebank.stats"
    TIMEBANK_SETTLEMENT = "timebank.settlement"
    TIMEBANK_SETTINGS = "timebank.settings"


_COMMUNITY_STAFF = {
    Action.PLACE_VIEW,
    Action.PLACE_CHANGE,
    Action.HOUSEHOLD_VIEW,
    Action.PERSON_VIEW,
    Action.PERSON_CHANGE,
    Action.PERSON_IMPORT,
    Action.PERSON_EXPORT,
    Action.REVEAL_ID_NUMBER,
    Action.REVEAL_PHONE,
    Action.REVEAL_DISABILITY,
    Action.REVEAL_LOW_INCOME,
    Action.ACCOUNT_CREATE,
    Action.CORRECTION_HANDLE,
    Action.COMMUNITY_AGGREGATES,
    Action.ADMIN,
}

_TOPIC_ALL = {Action.TOPIC_VIEW, Action.TOPIC_PROPOSE, Action.TOPIC_PARTICIPATE}
# 社情民意: staff run the inbox (routes, merges, statistics); grid workers and building heads enter voices on a
# resident's behalf and walk the 双找 survey in their grid or building; whoever a voice is assigned to handles it.
_VOICE_STAFF = {
    Action.VOICE_SUBMIT,
    Action.VOICE_ENTER,
    Action.VOICE_HANDLE,
    Action.VOICE_MANAGE,
    Action.VOICE_STATS,
    Action.SURVEY_VISIT,
}
_VOICE_FIELD = {Action.VOICE_SUBMIT, Action.VOICE_ENTER, Action.VOICE_HANDLE, Action.SURVEY_VISIT}
# 时间银行: staff (书记/社工) open accounts and cards, issue points for verified service, correct mistakes, run the
# catalogue, volunteers, training and stamp trails; a resident sees the individual accounts of their household
# (gifts go to family). Spending one's own account or a card one manages, approving the hours of one's own
# activity and completing a 核销 as an item's provider are decided by who owns the thing (timebank.services),
# not by a role. Grid workers approve resident-to-resident help in their grid; field roles organise activities.
_TIMEBANK_STAFF = {
    Action.TIMEBANK_VIEW,
    Action.TIMEBANK_ISSUE,
    Action.TIMEBANK_REVERSE,
    Action.TIMEBANK_ADJUST,
    Action.TIMEBANK_ACCOUNTS,
    Action.TIMEBANK_ORGANISE,
    Action.TIMEBANK_APPROVE_HELP,
    Action.TIMEBANK_CATALOGUE,
    Action.TIMEBANK_VOLUNTEERS,
    Action.TIMEBANK_TRAINING,
    Action.TIMEBANK_STAMPS,
    Action.TIMEBANK_STATS,
    Action.TIMEBANK_SETTLEMENT,
}
_TIMEBANK_FIELD = {Action.TIMEBANK_VIEW, Action.TIMEBANK_ORGANISE}
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.STREET_STAFF: frozenset(
        {
            Action.PLACE_VIEW,
            Action.COMMUNITY_AGGREGATES,
            Action.TOPIC_VIEW,
            Action.VOICE_STATS,
            Action.TIMEBANK_STATS,
            Action.TIMEBANK_SETTLEMENT,
            Action.TIMEBANK_SETTINGS,
        }
    ),
    # Party membership is a special identity (PIPL Art. 28): only the Party secretary needs it in full.
    Role.SECRETARY: frozenset(
        _COMMUNITY_STAFF
        | _TOPIC_ALL
        | _VOICE_STAFF
        | _TIMEBANK_STAFF
        | {Action.REVEAL_PARTY, Action.AUDIT_VIEW, Action.TOPIC_REVISE, Action.TOPIC_MANAGE, Action.MEETING_RECORD}
    ),
    Role.SOCIAL_WORKER: frozenset(
        _COMMUNITY_STAFF
        | _TOPIC_ALL
        | _VOICE_STAFF
        | _TIMEBANK_STAFF
        | {Action.TOPIC_REVISE, Action.TOPIC_MANAGE, Action.MEETING_RECORD}
    ),
    Role.GRID_WORKER: frozenset(
        {
            Action.PLACE_VIEW,
            Action.HOUSEHOLD_VIEW,
            Action.PERSON_VIEW,
            Action.PERSON_CHANGE,
            Action.REVEAL_PHONE,
            Action.REVEAL_DISABILITY,
            Action.REVEAL_LOW_INCOME,
            Action.ACCOUNT_CREATE,
            Action.VOICE_STATS,
            Action.TIMEBANK_APPROVE_HELP,
            Action.TIMEBANK_STATS,
            *_TOPIC_ALL,
            *_VOICE_FIELD,
            *_TIMEBANK_FIELD,
        }
    ),
    # Building heads revise proposals round after round with the residents (article 004), and they and group heads
    # take attendance, minutes and suggestions at the meetings in their place (DOMAIN §4: offline first-class).
    Role.BUILDING_HEAD: frozenset(
        {
            Action.PLACE_VIEW,
            Action.HOUSEHOLD_VIEW,
            Action.PERSON_VIEW,
            Action.REVEAL_PHONE,
            Action.TOPIC_REVISE,
            Action.MEETING_RECORD,
            *_TOPIC_ALL,
            *_VOICE_FIELD,
            *_TIMEBANK_FIELD,
        }
    ),
    Role.GROUP_HEAD: frozenset(
        {
            Action.PLACE_VIEW,
            Action.HOUSEHOLD_VIEW,
            Action.PERSON_VIEW,
            Action.REVEAL_PHONE,
            Action.TOPIC_REVISE,
            Action.MEETING_RECORD,
            *_TOPIC_ALL,
            *_VOICE_FIELD,
            *_TIMEBANK_FIELD,
        }
    ),
    # 物业 and other responsible parties handle only what is assigned to their party (voices' own scoping).
    Role.PROPERTY: frozenset(
        {Action.PLACE_VIEW, Action.HOUSEHOLD_VIEW, Action.VOICE_SUBMIT, Action.VOICE_HANDLE, *_TOPIC_ALL}
    ),
    Role.VOLUNTEER: frozenset({*_TOPIC_ALL, Action.VOICE_SUBMIT, Action.TIMEBANK_VIEW}),
    Role.RESIDENT: frozenset({*_TOPIC_ALL, Action.VOICE_SUBMIT, Action.TIMEBANK_VIEW}),
}

REVEAL_ACTIONS: dict[str, Action] = {
    "id_number": Action.REVEAL_ID_NUMBER,
    "phone": Action.REVEAL_PHONE,
    "party": Action.REVEAL_PARTY,
    "disability": Action.REVEAL_DISABILITY,
    "low_income": Action.REVEAL_LOW_INCOME,
}

# The personal columns of every export (the .xlsx 台账 and the PDFs), and the action a role needs to get each in
# full; everyone else gets it masked (rules.masking), whatever the export. One table, so that the people and the
# household registers can no longer disagree about the same role (core/columns.py applies it).
EXPORT_COLUMNS: dict[str, Action] = {"name": Action.PERSON_EXPORT, **REVEAL_ACTIONS}


def role_allows(role: str, action: Action) -> bool:
    return action in ROLE_ACTIONS.get(role, frozenset())
