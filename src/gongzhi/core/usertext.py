"""Text that people write, and how it leaves the system.

Residents and staff type phones and ID numbers into whatever box they find ("请联系我13912345678"). PIPL art. 51 and
GB/T 35273 §7.5 ask that personal information shown to others be de-identified, so every free-text field below is
masked (`rules.masking.mask_contacts`) at every output, for every reader but its author: pages (the `masked` and
`masked_cut` filters and the `usertext` tag, built into every template), the JSON API, Open311, `.xlsx` exports and
PDFs (`masked()` / `masked_cut()` here). Masking comes before any cut: a cut number can no longer be recognised.

`USER_TEXT` names each model's free-text fields; `tests/core/test_usertext.py` fails for a model text field that is
neither here nor in `NOT_FREE_TEXT`, and for a template that prints one of these names without masking it first."""

from __future__ import annotations

from typing import Any

from django.utils.text import Truncator

from gongzhi.rules.masking import mask_contacts

__all__ = ["NOT_FREE_TEXT", "USER_TEXT", "masked", "masked_cut", "user_text_names"]

USER_TEXT: dict[str, tuple[str, ...]] = {
    "people.CorrectionRequest": ("proposed", "reason", "response"),
    "deliberation.Topic": ("title", "summary", "decline_reason", "resolution", "report"),
    "deliberation.TopicEvent": ("note",),
    "deliberation.ProposalVersion": ("body", "change_note"),
    "deliberation.Comment": ("body", "hidden_reason"),
    "deliberation.Ballot": ("void_reason",),
    "deliberation.Objection": ("body", "answer"),
    "deliberation.BodyMember": ("end_reason",),
    "deliberation.Resolution": ("text",),
    "deliberation.MemberVote": ("void_reason",),
    "deliberation.VoteCount": ("void_reason",),
    "deliberation.Idea": ("body", "hidden_reason"),
    "deliberation.ActionItem": ("title",),
    "deliberation.Meeting": ("title", "location", "minutes", "cancel_reason"),
    "deliberation.Suggestion": ("body", "response"),
    "deliberation.OpinionStatement": ("text", "reject_reason"),
    "deliberation.BallotSheet": ("void_reason",),
    "notifications.OutboxMessage": ("title", "body"),
    "notifications.Notification": ("title", "body"),
    "voices.Survey": ("title",),
    "voices.SurveyVisit": ("note",),
    "voices.Category": ("description",),
    "voices.Voice": ("text", "public_reason", "reopen_reason", "rating_comment"),
    "voices.VoiceEvent": ("body",),
    "timebank.Activity": ("title", "description"),
    "timebank.ServiceRecord": ("content", "reject_reason", "dispute_reason"),
    "timebank.Item": ("description",),
    "timebank.Donation": ("note",),
    "timebank.Post": ("title", "description"),
    "timebank.Transaction": ("memo", "reason"),
    "timebank.Skill": ("description",),
    "timebank.Training": ("title",),
    "timebank.Certificate": ("revoke_reason",),
    "timebank.StampTrail": ("description",),
    "timebank.Volunteer": ("service_areas",),
    "timebank.Team": ("description",),
    "timebank.Recruitment": ("title", "description"),
    "timebank.RecruitmentApplication": ("note",),
    "timebank.Award": ("title", "note"),
}

# Text fields that are not prose: names and contacts (masked by their own rules: `mask_name`, `mask_phone`,
# `mask_id_number`), codes, paths, hashes and tokens, choices kept as text, file names, and labels staff give to
# places, categories and accounts.
NOT_FREE_TEXT: dict[str, tuple[str, ...]] = {
    "core.User": ("password", "phone", "display_name", "language"),
    "core.AuditEvent": ("on_behalf_of", "verb", "object_type", "object_id", "prev_hash", "hash"),
    "core.AuditChainHead": ("hash",),
    "core.SensitiveAccess": ("object_type", "object_id", "field", "purpose"),
    "core.ApiToken": ("name", "prefix", "token_hash"),
    "core.LoginThrottle": ("key",),
    "places.Place": ("name", "path", "sort_key", "address", "contact_phone", "office_hours"),
    "places.Grid": ("name", "path"),
    "places.Household": ("place_path", "grid_path", "room"),
    "people.Tag": ("key", "name"),
    "people.Person": ("name", "id_number", "phone", "place_path", "grid_path"),
    "people.Ownership": ("place_path",),
    "people.CorrectionRequest": ("field", "place_path"),
    "people.ImportJob": ("original_name", "failure"),
    "deliberation.Topic": ("place_path",),
    "deliberation.Ballot": ("serial_no", "proxy_name", "place_path"),
    "deliberation.Body": ("place_path", "name"),
    "deliberation.BodyMember": ("place_path",),
    "deliberation.Resolution": ("kind", "place_path"),
    "deliberation.MemberVote": ("place_path",),
    "deliberation.VoteCount": ("place_path",),
    "deliberation.Cluster": ("name",),
    "deliberation.Idea": ("on_behalf_of",),
    "deliberation.ActionItem": ("owner",),
    "deliberation.Meeting": ("place_path", "signin_token"),
    "deliberation.Attendance": ("name",),
    "deliberation.Suggestion": ("raised_by", "category"),
    "deliberation.OpinionStatement": ("text_key",),
    "deliberation.BallotSheet": ("serial_no", "token", "place_path"),
    "notifications.OutboxMessage": ("channel", "kind", "url", "dedupe_key", "last_error"),
    "notifications.Notification": ("kind", "url"),
    "voices.Open311Key": ("name", "prefix", "key_hash"),
    "voices.Party": ("name", "contact"),
    "voices.Route": ("place_path",),
    "voices.CalendarDay": ("name",),
    "voices.Survey": ("place_path",),
    "voices.SurveyVisit": ("place_path", "grid_path"),
    "voices.Category": ("code", "name", "group"),
    "voices.CustomStatus": ("code", "name"),
    "voices.Voice": ("place_path", "grid_path", "contact_name", "contact_phone", "status", "token"),
    "voices.VoicePhoto": ("content_type",),
    "voices.VoiceEvent": ("actor_label", "from_status", "to_status"),
    "timebank.Activity": ("place_path", "weekdays"),
    "timebank.ServiceRecord": ("place_path", "grid_path"),
    "timebank.Item": ("name", "provider_name"),
    "timebank.Donation": ("donor",),
    "timebank.Redemption": ("code", "token"),
    "timebank.Post": ("place_path",),
    "timebank.Account": ("name",),
    "timebank.Transaction": ("idempotency_key",),
    "timebank.Skill": ("name",),
    "timebank.ServiceType": ("name",),
    "timebank.Training": ("trainer",),
    "timebank.Certificate": ("number",),
    "timebank.StampTrail": ("name",),
    "timebank.StampPoint": ("name", "token"),
    "timebank.Volunteer": ("number", "code", "guardian_name", "guardian_phone", "guardian_relation"),
    "timebank.Team": ("name",),
    "timebank.Award": ("issuer",),
    "timebank.RecordProof": ("code",),
}


def user_text_names() -> frozenset[str]:
    """Every attribute name that holds free text on some model: a template printing `x.<name>` must mask it."""
    return frozenset(name for fields in USER_TEXT.values() for name in fields)


def masked(text: object) -> str:
    """The text as others may read it: typed phones and ID numbers masked."""
    return mask_contacts(str(text)) if text else ""


def masked_cut(text: object, length: int) -> str:
    """Masked, then cut to `length` characters with an ellipsis (in this order: a cut number is not recognised)."""
    return Truncator(masked(text)).chars(length)


def masked_tree(value: Any) -> Any:
    """`masked` applied to every string inside a JSON-like value (a frozen result: meeting titles, resolution text,
    statements), leaving numbers, keys and structure as they are."""
    if isinstance(value, str):
        return masked(value)
    if isinstance(value, dict):
        return {key: masked_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked_tree(item) for item in value]
    return value
