"""时间银行 models, one module per part: the ledger and its street settings, service types and skills, activities
and service records, resident exchange, the stamp trail, the catalogue and redemptions, volunteers and records.

Django registers the models it finds here, so each is imported by name; everything else (choices, constants) is
imported from its part's module.
"""

from gongzhi.timebank.models.activities import Activity, ServiceRecipient, ServiceRecord, Session, SignUp
from gongzhi.timebank.models.catalogue import Donation, Item, Redemption
from gongzhi.timebank.models.exchange import Exchange, Post
from gongzhi.timebank.models.ledger import Account, AccountManager, AccountMember, Entry, Transaction
from gongzhi.timebank.models.settings import LedgerSettings
from gongzhi.timebank.models.skills import Certificate, ServiceType, Skill, Training, TrainingAttendance
from gongzhi.timebank.models.stamps import Stamp, StampCard, StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import (
    Award,
    RecordProof,
    Recruitment,
    RecruitmentApplication,
    Team,
    TeamMember,
    Volunteer,
)

__all__ = [
    "Account",
    "AccountManager",
    "AccountMember",
    "Activity",
    "Award",
    "Certificate",
    "Donation",
    "Entry",
    "Exchange",
    "Item",
    "LedgerSettings",
    "Post",
    "RecordProof",
    "Recruitment",
    "RecruitmentApplication",
    "Redemption",
    "ServiceRecipient",
    "ServiceRecord",
    "ServiceType",
    "Session",
    "SignUp",
    "Skill",
    "Stamp",
    "StampCard",
    "StampPoint",
    "StampTrail",
    "Team",
    "TeamMember",
    "Training",
    "TrainingAttendance",
    "Transaction",
    "Volunteer",
]
