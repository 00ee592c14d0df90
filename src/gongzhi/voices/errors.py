"""The error codes of 社情民意: every `code` a voices service, selector, view or endpoint raises or answers.

The values are what the API, Open311 clients and the tests read: they never change. The Chinese message stays at
the raise."""

from enum import StrEnum


class Code(StrEnum):
    # Handling a voice: its state, merging and promoting (services.workflow, services.merging, services.voice_steps)
    ALREADY_ACCEPTED = "already_accepted"
    ALREADY_MERGED = "already_merged"
    ALREADY_PROMOTED = "already_promoted"
    BODY_REQUIRED = "body_required"
    MERGE_INTO_CLOSED = "merge_into_closed"
    MERGE_INTO_MERGED = "merge_into_merged"
    MERGE_SELF = "merge_self"
    NO_VOICES = "no_voices"
    PARTY_NOT_FOUND = "party_not_found"
    REASON_REQUIRED = "reason_required"
    SAME_PARTY = "same_party"
    SAME_STATUS = "same_status"
    SUGGESTION_DONE = "suggestion_done"
    VOICE_CLOSED = "voice_closed"
    VOICE_MERGED = "voice_merged"

    # Custom statuses (services.workflow)
    BAD_CODE = "bad_code"
    BAD_STATUS = "bad_status"
    CODE_REQUIRED = "code_required"
    STATUS_CODE_BUILTIN = "status_code_builtin"
    STATUS_CODE_TAKEN = "status_code_taken"
    STATUS_NAME_TAKEN = "status_name_taken"

    # Reporting a voice: residents, staff entry, the API (services.intake, services.residents, api)
    BAD_CATEGORY = "bad_category"
    BAD_PHONE = "bad_phone"
    BAD_PLACE = "bad_place"
    CATEGORY_INACTIVE = "category_inactive"
    HOUSEHOLD_PLACE = "household_place"
    TEXT_REQUIRED = "text_required"

    # Reveals (services.reveal)
    NO_PHONE = "no_phone"

    # Routing: the table, parties, categories and the holiday calendar (services.routing, services.deadlines)
    ALREADY_MEMBER = "already_member"
    BAD_DATE = "bad_date"
    BAD_DEADLINE = "bad_deadline"
    BAD_KIND = "bad_kind"
    BAD_REMIND = "bad_remind"
    CATEGORY_CODE_TAKEN = "category_code_taken"
    MEMBER_NOT_IN_COMMUNITY = "member_not_in_community"
    NAME_REQUIRED = "name_required"
    PARTY_INACTIVE = "party_inactive"
    PARTY_NAME_TAKEN = "party_name_taken"
    SUPERVISOR_CYCLE = "supervisor_cycle"

    # 双找 surveys (services.surveys, views.surveys)
    BAD_DATES = "bad_dates"
    BAD_NEED_TEXT = "bad_need_text"
    BAD_NOTE = "bad_note"
    BAD_OUTCOME = "bad_outcome"
    HOUSEHOLD_OUTSIDE = "household_outside"
    NEED_CATEGORY_REQUIRED = "need_category_required"
    NEED_TEXT_REQUIRED = "need_text_required"
    NEEDS_WITHOUT_VISIT = "needs_without_visit"
    STARTS_REQUIRED = "starts_required"
    SURVEY_CLOSED = "survey_closed"
    TITLE_REQUIRED = "title_required"
    TOO_MANY_NEEDS = "too_many_needs"
    VISIT_BEFORE_START = "visit_before_start"
    VISIT_IN_FUTURE = "visit_in_future"
    VISITED_AT_REQUIRED = "visited_at_required"

    # Open311: keys and the GeoReport v2 endpoint (services.open311, selectors.open311, open311)
    ALREADY_REVOKED = "already_revoked"
    BAD_ADDRESS_ID = "bad_address_id"
    BAD_EMAIL = "bad_email"
    BAD_FLAG = "bad_flag"
    BAD_KEY = "bad_key"
    BAD_LOCATION = "bad_location"
    BAD_MEDIA_URL = "bad_media_url"
    BAD_REQUEST_ID = "bad_request_id"
    DATE_RANGE_TOO_LONG = "date_range_too_long"
    JURISDICTION_REQUIRED = "jurisdiction_required"
    KEY_OTHER_COMMUNITY = "key_other_community"
    KEY_REQUIRED = "key_required"
    KEY_REVOKED = "key_revoked"
    LOCATION_REQUIRED = "location_required"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    SERVICE_CODE_REQUIRED = "service_code_required"
    UNKNOWN_ENDPOINT = "unknown_endpoint"
    UNKNOWN_JURISDICTION = "unknown_jurisdiction"
    UNKNOWN_REQUEST = "unknown_request"
    UNKNOWN_SERVICE = "unknown_service"
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 (an error code, not a secret)

    # The inbox's forms (views.inbox)
    CATEGORY_REQUIRED = "category_required"
    INTO_NOT_FOUND = "into_not_found"
    INTO_REQUIRED = "into_required"
    PARTY_REQUIRED = "party_required"

    # Statistics periods (views.stats)
    PERIOD_INCOMPLETE = "period_incomplete"
    PERIOD_REVERSED = "period_reversed"
    PERIOD_TOO_LONG = "period_too_long"
