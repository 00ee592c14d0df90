"""Reveals to a handler: the reporter's phone for a call back, and the numbers typed into a voice's text; each
reveal is logged as a SensitiveAccess row (PIPL Art. 28)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import User
from gongzhi.rules.masking import mask_contacts
from gongzhi.voices.errors import Code
from gongzhi.voices.models import (
    Voice,
)
from gongzhi.voices.predicates import can_handle, can_reveal_phone, text_reveals
from gongzhi.voices.services.voice_steps import (
    voice_visible_or_404,
)

__all__ = [
    "voice_contact_phone",
    "voice_contact_reveal",
    "voice_text_reveal",
]


def voice_contact_phone(voice: Voice) -> str:
    """The number to call back: the one given with the voice, else the reporter's record, else their account's."""
    if voice.contact_phone:
        return voice.contact_phone
    if voice.reporter_person_id and voice.reporter_person is not None and voice.reporter_person.phone:
        return str(voice.reporter_person.phone)
    if voice.reporter_id and voice.reporter is not None:
        return str(voice.reporter.phone)
    return ""


@transaction.atomic
def voice_contact_reveal(*, actor: User, voice: Voice, purpose: str = "") -> str:
    """The reporter's full phone for a call back, to a handler whose role may reveal phones there (not 物业);
    each view is logged as a SensitiveAccess row with its audit event (PIPL Art. 28), as on the people pages."""
    from gongzhi.people.services import sensitive_view_log

    voice_visible_or_404(actor, voice)
    if not can_handle(actor, voice) or not can_reveal_phone(actor, voice):
        raise PermissionDenied(_("您的角色无权查看完整电话"))
    phone = voice_contact_phone(voice)
    if not phone:
        raise NotFound(_("该诉求没有留联系电话"), code=Code.NO_PHONE)
    sensitive_view_log(
        actor=actor,
        community_id=voice.community_id,
        fields=["phone"],
        object_type="voices.voice",
        object_id=str(voice.pk),
        purpose=purpose,
        verb="voice.reveal_phone",
    )
    return phone


@transaction.atomic
def voice_text_reveal(*, actor: User, voice: Voice, purpose: str = "") -> str:
    """The voice's text with the numbers typed into it (a car owner's phone to move the car) for a handler whose
    role may reveal phones or ID numbers there; the kind it may not reveal stays masked. Logged like the
    reporter's phone: everyone else, the handler included, reads the text masked."""
    from gongzhi.people.services import sensitive_view_log

    voice_visible_or_404(actor, voice)
    allowed = text_reveals(actor, voice)
    if not any(allowed.values()):
        raise PermissionDenied(_("您的角色无权查看完整内容"))
    sensitive_view_log(
        actor=actor,
        community_id=voice.community_id,
        fields=[f"text.{kind}" for kind, ok in allowed.items() if ok],
        object_type="voices.voice",
        object_id=str(voice.pk),
        purpose=purpose,
        verb="voice.reveal_text",
    )
    return mask_contacts(voice.text, phones=not allowed["phone"], id_numbers=not allowed["id_number"])


# ---------------------------------------------------------------------------------------------------------------
# Duplicates and action
