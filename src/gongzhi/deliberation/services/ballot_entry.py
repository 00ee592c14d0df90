"""Staff entering a ballot from paper: one entry point that decides, from what was typed, whether it is a sheet
printed here (found by its serial), a paper ballot of another print (found by the owner's ID number) or a written
proxy. Each path is its own service with its own transaction; this one only chooses."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from gongzhi.core.errors import NotFound, ValidationFailed
from gongzhi.core.models import User
from gongzhi.deliberation.errors import Code
from gongzhi.deliberation.models import Ballot, Channel, Topic
from gongzhi.deliberation.services.ballots import ballot_enter_paper, ballot_enter_proxy
from gongzhi.deliberation.services.sheets import SERIAL_RE, ballot_enter_by_serial, parse_scan
from gongzhi.people.models import Person


def ballot_enter(
    *,
    actor: User,
    topic: Topic,
    channel: str,
    serial: str,
    token: str,
    id_number: str,
    choice: str,
    proxy_name: str,
    evidence: UploadedFile | None,
) -> Ballot:
    """A sheet printed here names its household, so its owner is the voter and no ID number is needed; otherwise
    the voter is the community's owner with that ID number (404 when none is visible to the actor). Permission and
    phase are checked by the service chosen."""
    id_number = id_number.strip().upper()
    printed_here = SERIAL_RE.fullmatch(parse_scan(serial)[0])
    if channel != Channel.PROXY and (printed_here or not id_number):
        return ballot_enter_by_serial(
            actor=actor, topic=topic, serial=serial, token=token, choice=choice, scan=evidence
        )
    if not id_number:
        raise ValidationFailed(_("请填写业主身份证号"), code=Code.ID_REQUIRED, extra={"field": "id_number"})
    voter = Person.objects.visible_to(actor).filter(community_id=topic.community_id, id_number=id_number).first()
    if voter is None:
        raise NotFound(_("本社区没有登记该身份证号的业主"))
    if channel == Channel.PROXY:
        return ballot_enter_proxy(
            actor=actor, topic=topic, voter=voter, choice=choice, proxy_name=proxy_name, evidence=evidence
        )
    return ballot_enter_paper(actor=actor, topic=topic, voter=voter, choice=choice, serial_no=serial, scan=evidence)
