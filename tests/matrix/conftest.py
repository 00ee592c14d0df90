from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from gongzhi.core.models import User
from gongzhi.core.roles import Role
from gongzhi.core.services import api_token_create
from gongzhi.deliberation import models as dm
from gongzhi.deliberation.services.ballots import ballot_enter_proxy
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.notifications.models import Notification
from gongzhi.people.importing.jobs import import_job_create
from gongzhi.people.models import Ownership, Person
from gongzhi.people.services import correction_request_create, person_account_create
from gongzhi.places.models import Grid, Household, Place
from gongzhi.timebank.models.activities import Activity, ActivityStatus, ServiceRecord, Session, SignUp
from gongzhi.timebank.models.catalogue import Item, Redemption, RedemptionStatus
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post
from gongzhi.timebank.models.ledger import Account, AccountKind, Transaction
from gongzhi.timebank.models.skills import Certificate, Training
from gongzhi.timebank.models.stamps import StampPoint, StampTrail
from gongzhi.timebank.models.volunteers import Recruitment, Volunteer
from gongzhi.timebank.services.records import proof_issue
from gongzhi.voices import models as vm
from gongzhi.voices.services.intake import voice_submit
from gongzhi.voices.services.open311 import open311_key_issue
from tests import factories
from tests.deliberation.conftest import voting_topic
from tests.matrix.world import World
from tests.people.sheets import upload
from tests.uploads import real_pdf


def _demo_user(n: int) -> User:
    return User.objects.get(phone=f"1380000{n:04d}")


def _users(communities: dict[str, Place], street: Place) -> dict[tuple[str, str], User]:
    dh, lx = communities["dh"], communities["lx"]
    users: dict[tuple[str, str], User] = {}
    # 东环路: the demo's own logins, whose households, grid and building hold the demo's rows.
    for actor, n in (
        ("secretary", 1),
        ("social_worker", 2),
        ("grid_worker", 3),
        ("building_head", 4),
        ("volunteer", 9),
        ("resident", 10),
    ):
        users[("dh", actor)] = _demo_user(n)
    users[("dh", "property")] = factories.make_user(
        Role.PROPERTY, place=Place.objects.get(community=dh, name="花园颐院"), name="物业"
    )
    # 瀝雄: the demo's secretary, property and building head; the others made here.
    users[("lx", "secretary")] = _demo_user(8)
    users[("lx", "property")] = _demo_user(6)
    users[("lx", "building_head")] = _demo_user(11)
    users[("lx", "social_worker")] = factories.make_user(Role.SOCIAL_WORKER, place=lx, name="社工")
    users[("lx", "grid_worker")] = factories.make_user(
        Role.GRID_WORKER, grid=Grid.objects.filter(community=lx).order_by("path").first(), name="网格员"
    )
    lx_households = Household.objects.filter(community=lx).order_by("pk")
    users[("lx", "volunteer")] = factories.make_user(Role.VOLUNTEER, household=lx_households[0], name="志愿者")
    users[("lx", "resident")] = factories.make_user(Role.RESIDENT, household=lx_households[1], name="居民")
    street_staff, other = _demo_user(7), _demo_user(12)  # 街道工作人员; 秦巷村's secretary
    elsewhere = factories.make_community(name="别处社区")  # another street, for the street's own pages
    other_street = factories.make_user(Role.STREET_STAFF, place=elsewhere.street, name="别的街道")
    for key in ("dh", "lx"):
        users[(key, "street")] = street_staff
        users[(key, "other")] = other
        users[(key, "other_street")] = other_street
    return users


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def _objects(w: World, pinned: datetime.datetime) -> dict:
    dh, lx = w.communities["dh"], w.communities["lx"]
    secretary, resident = w.user("dh", "secretary"), w.user("dh", "resident")
    o: dict = {}
    o["building"] = Place.objects.get(community=dh, name="1栋", parent__name="花园颐院")
    o["household"] = Household.objects.filter(community=dh, place__path__startswith=o["building"].path).order_by("pk")[
        0
    ]
    o["person"] = Person.objects.filter(household=o["household"]).order_by("pk")[0]
    o["resident_person"] = Person.objects.get(account=resident)
    o["notification"] = Notification.objects.create(community_id=dh.pk, user=resident, kind="test", title="通知")
    o["correction"] = correction_request_create(
        actor=resident, person=o["resident_person"], field="phone", proposed="13912345678"
    )
    o["api_token"], _secret = api_token_create(actor=None, user=resident, name="测试令牌")
    o["open311_key"], _raw = open311_key_issue(actor=secretary, community=dh, name="测试接入")
    volunteer = Volunteer.objects.filter(community=dh, person__account__isnull=False).order_by("pk").first()
    o["volunteer"] = volunteer
    o["proof"] = proof_issue(actor=secretary, volunteer=volunteer)
    o["my_voice"] = voice_submit(
        actor=resident,
        community=dh,
        place=o["resident_person"].household.place,
        category=vm.Category.objects.filter(community=dh).order_by("pk")[0],
        text="楼道灯坏了，晚上看不见",
        household=o["resident_person"].household,
        photos=[_png()],
    )
    o["photo"] = vm.VoicePhoto.objects.get(voice=o["my_voice"])
    o["import_job"] = import_job_create(
        actor=secretary, community=dh, target=dh, upload=upload([["张三", factories.next_id_number(), "", "1栋"]])
    )
    first = {
        "topic": dm.Topic.objects.filter(community=dh, pk__in=dm.Ballot.objects.values("topic")),
        "ballot": dm.Ballot.objects.filter(community=dh),
        "meeting": dm.Meeting.objects.filter(community=dh, pk__in=dm.Suggestion.objects.values("meeting")),
        "body": dm.Body.objects.filter(community=dh),
        "resolution": dm.Resolution.objects.filter(community=dh),
        "sheet": dm.BallotSheet.objects.filter(community=dh),
        "cocreation_topic": dm.Topic.objects.filter(community=lx, procedure="cocreation"),
        "opinion_topic": dm.Topic.objects.filter(community=lx, procedure="opinion"),
        "voice": vm.Voice.objects.filter(community=dh),
        "route": vm.Route.objects.filter(community=dh),
        "party": vm.Party.objects.filter(community=dh),
        "category": vm.Category.objects.filter(community=dh),
        "survey": vm.Survey.objects.filter(community=dh),
        "account": Account.objects.filter(community=dh, kind=AccountKind.INDIVIDUAL, person__account=resident),
        "card": Account.objects.filter(community=dh, kind=AccountKind.COURTYARD),
        "transaction": Transaction.objects.filter(community=dh),
        "activity": Activity.objects.filter(community=dh),
        "session": Session.objects.filter(community=dh),
        "signup": SignUp.objects.filter(community=dh),
        "record": ServiceRecord.objects.filter(community=dh),
        "post": Post.objects.filter(community=dh),
        "exchange": Exchange.objects.filter(community=dh),
        "training": Training.objects.filter(community=dh),
        "certificate": Certificate.objects.filter(community=dh),
        "trail": StampTrail.objects.filter(community=dh),
        "point": StampPoint.objects.filter(community=dh),
        "item": Item.objects.filter(community=dh),
        "redemption": Redemption.objects.filter(community=dh),
        "recruitment": Recruitment.objects.filter(community=dh),
    }
    for name, rows in first.items():
        o[name] = rows.order_by("pk").first()
        assert o[name] is not None, name
    o["council_topic"] = o["resolution"].topic
    o["cluster"] = dm.Cluster.objects.filter(topic=o["cocreation_topic"]).order_by("pk")[0]
    o["statement"] = dm.OpinionStatement.objects.filter(topic=o["opinion_topic"]).order_by("pk")[0]
    o["reserved"] = Redemption.objects.filter(community=dh, status=RedemptionStatus.RESERVED).order_by("pk")[0]
    # A session to come that the volunteer login has not signed up for.
    volunteer_person = Person.objects.get(account=w.user("dh", "volunteer"))
    o["open_session"] = (
        Session.objects.filter(
            community=dh, starts_at__gt=timezone.now(), is_cancelled=False, activity__status=ActivityStatus.OPEN
        )
        .exclude(pk__in=SignUp.objects.filter(person=volunteer_person).values("session"))
        .order_by("starts_at", "pk")
        .first()
    )
    # An owners' vote open now over the whole community, and an owner of record with a login.
    # Opened an hour before the pinned instant: every test starts there, before the world was built.
    with time_machine.travel(pinned - datetime.timedelta(hours=1), tick=False):
        o["voting_topic"] = voting_topic(None, secretary, place=dh)
    owner = Ownership.objects.filter(community=dh).select_related("person").order_by("pk")[0].person
    w.users[("dh", "owner")] = owner.account or person_account_create(
        actor=None, person=owner, password=factories.PASSWORD
    )
    o["suggestion"] = dm.Suggestion.objects.filter(meeting=o["meeting"]).order_by("pk").first()
    # A proxy ballot on the open vote, with its written authorisation (the demo's ballots carry no file), entered for
    # another owner than the "owner" login, who must still be free to vote.
    proxied = Ownership.objects.filter(community=dh).exclude(person=owner).order_by("pk")[0].person
    o["evidence_ballot"] = ballot_enter_proxy(
        actor=secretary,
        topic=o["voting_topic"],
        voter=proxied,
        choice="agree",
        proxy_name="李代理",
        evidence=SimpleUploadedFile("proxy.pdf", real_pdf(), content_type="application/pdf"),
    )
    # An agreed exchange and a login for its helper: the one who may call it off (the demo's people have none).
    o["agreed_exchange"] = (
        Exchange.objects.filter(community=dh, status=ExchangeStatus.AGREED).select_related("helper").order_by("pk")
    ).first()
    assert o["agreed_exchange"] is not None
    helper = o["agreed_exchange"].helper
    w.users[("dh", "exchange_party")] = helper.account or person_account_create(
        actor=None, person=helper, password=factories.PASSWORD
    )
    return o


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _world_media(settings, media_root):
    # The world's voice photo is stored once for the module; each test reads it from there.
    settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, pinned_instant, media_root):
    """The demo street for the module, rolled back at the end (dated from the pinned instant)."""
    from gongzhi.demo.deliberation.load import load_deliberation_demo
    from gongzhi.demo.timebank.load import load_timebank_demo
    from gongzhi.demo.voices.load import load_voices_demo

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        street = load_demo(residents_lixiong=100).street
        load_deliberation_demo(street=street, password=DEMO_PASSWORD)
        load_voices_demo(street=street, password=DEMO_PASSWORD)
        load_timebank_demo(street=street, password=DEMO_PASSWORD)
        by_name = {p.name: p for p in Place.objects.filter(parent=street)}
        communities = {
            "dh": by_name["东环路社区"],
            "lx": by_name["瀝雄社区"],
            "yx": by_name["杨西园村"],
            "qx": by_name["秦巷村"],
        }
        w = World(street=street, communities=communities, users=_users(communities, street))
        w.objects = _objects(w, pinned_instant)
        yield w
        transaction.set_rollback(True)
