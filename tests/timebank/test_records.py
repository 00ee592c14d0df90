"""志愿服务记录: the record page (own and staff), the .xlsx in the national system's layout with masking per role,
the PDF proof and its public verification."""

from __future__ import annotations

import datetime
import io
import itertools
import shutil
import subprocess
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent, SensitiveAccess
from gongzhi.core.roles import Role
from gongzhi.people.models import Person
from gongzhi.timebank.exporting import RECORD_COLUMNS
from gongzhi.timebank.models.activities import RecordSource, RecordStatus, ServiceRecipient, ServiceRecord
from gongzhi.timebank.models.skills import ServiceType
from gongzhi.timebank.models.volunteers import RecordProof, Volunteer
from gongzhi.timebank.selectors.volunteers import volunteer_record
from gongzhi.timebank.services.records import proof_issue
from gongzhi.timebank.services.volunteers import award_add, recruitment_save, team_save, volunteer_register
from tests import factories
from tests.conftest import login
from tests.queries import queries
from tests.timebank.conftest import user_of

pytestmark = [pytest.mark.django_db, pytest.mark.date_sensitive]

_days = itertools.count(1)


def past_month(back: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month `back` months before this one: in the past at any pinned instant."""
    first = timezone.localdate().replace(day=1)
    for _i in range(back):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first, (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1)


MARCH, APRIL = 8, 7  # months back: two consecutive months well before today


def service_type(site: factories.Community, name: str = "助老陪伴") -> ServiceType:
    row, _created = ServiceType.objects.get_or_create(
        community=site.community, name=name, defaults={"points_per_hour": 15}
    )
    return row


def make_record(
    site: factories.Community,
    person: Person,
    *,
    minutes: int = 90,
    status: str = RecordStatus.APPROVED,
    day: datetime.date | None = None,
    recipients: list[Person] = (),  # type: ignore[assignment]
    kind: str = "助老陪伴",
    team: Any = None,
    content: str = "陪伴独居老人",
) -> ServiceRecord:
    """A service record as the activities part leaves it (its own services are another engineer's part)."""
    day = day or timezone.localdate() - datetime.timedelta(days=250 - next(_days) % 200)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))
    record = ServiceRecord.objects.create(
        community=site.community,
        person=person,
        service_type=service_type(site, kind),
        team=team,
        source=RecordSource.PAPER,
        content=content,
        place=site.compound,
        place_path=site.compound.path,
        grid_path=person.grid_path,
        service_date=day,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
        minutes=minutes,
        status=status,
    )
    ServiceRecipient.objects.bulk_create(
        [ServiceRecipient(community=site.community, record=record, person=p) for p in recipients]
    )
    return record


@pytest.fixture
def volunteer(site, staff) -> Volunteer:
    return volunteer_register(actor=staff[Role.SECRETARY], community=site.community, person=site.people[0])


@pytest.fixture
def vol_user(volunteer):
    user = user_of(volunteer.person)
    volunteer.person.refresh_from_db()
    return user


def test_record_holds_approved_services_trainings_awards_and_totals(site, staff, volunteer, vol_user):
    march, april = past_month(MARCH), past_month(APRIL)
    make_record(site, volunteer.person, minutes=90, day=march[0] + datetime.timedelta(days=1))
    make_record(site, volunteer.person, minutes=45, day=april[0] + datetime.timedelta(days=1))
    make_record(site, volunteer.person, minutes=600, status=RecordStatus.REJECTED)
    make_record(site, volunteer.person, minutes=600, status=RecordStatus.PENDING)
    make_record(site, site.people[1], minutes=30)
    award_add(
        actor=staff[Role.SECRETARY],
        volunteer=volunteer,
        title="优秀志愿者",
        awarded_on=march[0] + datetime.timedelta(days=4),
        issuer="街道办",
    )
    record = volunteer_record(actor=vol_user, volunteer=volunteer)
    assert [r.minutes for r in record.services] == [90, 45]
    assert record.minutes == 135 and record.hours == 2.25 and record.service_count == 2
    assert [a.title for a in record.awards] == ["优秀志愿者"]
    in_march = volunteer_record(actor=staff[Role.SECRETARY], volunteer=volunteer, period=march)
    assert in_march.minutes == 90 and len(in_march.awards) == 1


def test_record_permissions(site, staff, other_staff, volunteer):
    with pytest.raises(NotFound):
        volunteer_record(actor=other_staff[Role.SECRETARY], volunteer=volunteer)
    with pytest.raises(PermissionDenied):
        volunteer_record(actor=user_of(site.people[1]), volunteer=volunteer)
    with pytest.raises(PermissionDenied):
        volunteer_record(actor=staff[Role.GRID_WORKER], volunteer=volunteer)


def test_record_pages(site, staff, other_staff, volunteer, vol_user):
    make_record(site, volunteer.person, minutes=120, content="帮老人买菜")
    cid = site.community.pk
    own = login(vol_user).get(reverse("timebank:my_record", args=[cid]))
    assert own.status_code == 200 and "帮老人买菜" in own.content.decode()
    assert 'id="record-hours">2.0' in own.content.decode()
    other = user_of(site.people[1])
    stranger = login(other).get(reverse("timebank:my_record", args=[cid]))
    assert stranger.status_code == 200 and 'id="not-registered"' in stranger.content.decode()
    url = reverse("timebank:volunteer_record", args=[cid, volunteer.pk])
    assert login(staff[Role.SECRETARY]).get(url).status_code == 200
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(other).get(url).status_code == 403
    bad = login(vol_user).get(reverse("timebank:my_record", args=[cid]), {"since": "2026-05-02", "until": "2026-05-01"})
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.content.decode()


def _sheet(body: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_has_the_national_columns_and_masks_per_role(site, staff, volunteer, vol_user):
    record = make_record(site, volunteer.person, minutes=90, content="=HYPERLINK(1)")
    person = volunteer.person
    url = reverse("timebank:record_export", args=[site.community.pk, volunteer.pk])
    full = login(staff[Role.SECRETARY]).get(url)
    assert full.status_code == 200
    rows = _sheet(full.content)
    assert list(rows[0]) == RECORD_COLUMNS
    assert rows[0][:4] == ("姓名", "证件类型", "证件号码", "手机号")
    name, id_type, id_number, phone, day, start, end, hours, place, content, project, unit = rows[1]
    assert (name, id_type, id_number) == (person.name, "居民身份证", person.id_number)
    assert phone == person.phone and day == record.service_date.isoformat() and hours == 1.5
    assert start.endswith("09:00") and end.endswith("10:30")
    assert (place, content, project, unit) == (site.compound.name, "=HYPERLINK(1)", "助老陪伴", site.community.name)
    logged = SensitiveAccess.objects.filter(object_type="timebank.record_export", actor=staff[Role.SECRETARY])
    assert sorted(logged.values_list("field", flat=True)) == ["export:id_number", "export:phone"]
    # The volunteer's own record is theirs to copy in full (PIPL Art. 45).
    own = _sheet(login(vol_user).get(url).content)
    assert own[1][:4] == (person.name, "居民身份证", person.id_number, person.phone)
    assert AuditEvent.objects.filter(verb="timebank.record_export").count() == 2


def test_community_export_is_for_staff(site, staff, other_staff, volunteer):
    make_record(site, volunteer.person)
    make_record(site, site.people[1])
    url = reverse("timebank:records_export", args=[site.community.pk])
    assert len(_sheet(login(staff[Role.SOCIAL_WORKER]).get(url).content)) == 3
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    assert login(staff[Role.RESIDENT]).get(url).status_code == 403


def test_proof_freezes_totals_and_verifies(site, staff, volunteer, vol_user, client):
    march, april = past_month(MARCH), past_month(APRIL)
    make_record(site, volunteer.person, minutes=90, day=march[0] + datetime.timedelta(days=1))
    make_record(site, volunteer.person, minutes=30, day=april[0] + datetime.timedelta(days=1))
    proof = proof_issue(actor=vol_user, volunteer=volunteer)
    assert (proof.services, proof.minutes) == (2, 120) and len(proof.code) == 12
    in_march = proof_issue(actor=staff[Role.SECRETARY], volunteer=volunteer, period_start=march[0], period_end=march[1])
    assert (in_march.services, in_march.minutes) == (1, 90) and in_march.code != proof.code
    make_record(site, volunteer.person, minutes=600)  # later services do not change an issued proof
    page = client.get(reverse("timebank:proof_verify", args=[proof.code]))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="proof-valid"' in text
    assert volunteer.person.masked_name in text and volunteer.person.name not in text
    assert 'id="proof-hours">2.00' in text and site.community.name in text
    assert volunteer.person.id_number not in text and volunteer.person.phone not in text
    lower = client.get(reverse("timebank:proof_verify", args=[proof.code.lower()]))
    assert lower.status_code == 200


def test_unknown_code_says_no_such_proof(client):
    page = client.get(reverse("timebank:proof_verify", args=["ABCDEFGHJKMN"]))
    assert page.status_code == 404 and "无此证明" in page.content.decode()


def test_proof_bad_input_and_permissions(site, staff, other_staff, volunteer):
    with pytest.raises(ValidationFailed) as exc:
        proof_issue(
            actor=staff[Role.SECRETARY],
            volunteer=volunteer,
            period_start=past_month(MARCH)[0] + datetime.timedelta(days=1),
            period_end=past_month(MARCH)[0],
        )
    assert exc.value.code == "bad_period"
    with pytest.raises(ValidationFailed) as future:
        proof_issue(actor=staff[Role.SECRETARY], volunteer=volunteer, period_end=datetime.date(2999, 1, 1))
    assert future.value.code == "future_date"
    with pytest.raises(NotFound):
        proof_issue(actor=other_staff[Role.SECRETARY], volunteer=volunteer)
    with pytest.raises(PermissionDenied):
        proof_issue(actor=user_of(site.people[1]), volunteer=volunteer)
    assert not RecordProof.objects.exists()


def test_proof_pdf_page(site, staff, other_staff, volunteer, vol_user):
    make_record(site, volunteer.person, minutes=90)
    client = login(vol_user)
    response = client.post(reverse("timebank:proof_issue", args=[site.community.pk, volunteer.pk]), {})
    proof = RecordProof.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/proofs/{proof.pk}.pdf")
    pdf = client.get(response["Location"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b"WenQuanYi" in pdf.content  # the CJK font is embedded
    assert login(other_staff[Role.SECRETARY]).get(response["Location"]).status_code == 404
    assert login(user_of(site.people[1])).get(response["Location"]).status_code == 403
    bad = client.post(
        reverse("timebank:proof_issue", args=[site.community.pk, volunteer.pk]),
        {"since": "2026-05-02", "until": "2026-05-01"},
    )
    assert bad.status_code == 400 and RecordProof.objects.count() == 1


def _pdf_text(body: bytes) -> str:
    command = ["pdftotext", "-layout", "-", "-"]
    out = subprocess.run(command, input=body, capture_output=True, check=True)
    return out.stdout.decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/ensure_fonts.sh --with-poppler)")
def test_proof_pdf_says_what_the_proof_holds(site, staff, volunteer):
    make_record(site, volunteer.person, minutes=90, day=past_month(MARCH)[0])
    proof = proof_issue(actor=staff[Role.SECRETARY], volunteer=volunteer)
    pdf = login(staff[Role.SECRETARY]).get(reverse("timebank:proof_pdf", args=[site.community.pk, proof.pk]))
    text = "".join(_pdf_text(pdf.content).split())
    person = volunteer.person
    assert "志愿服务记录证明" in text and proof.code in text and site.community.name in text
    assert person.masked_name in text and person.masked_id_number in text
    assert person.name not in text and person.id_number not in text
    assert "1次" in text and "1.50小时" in text
    assert reverse("timebank:proof_verify", args=[proof.code]) in text


def _queries(client: Any, url: str) -> int:
    with queries() as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_record_page_query_count_is_constant(site, staff, volunteer, vol_user):
    client = login(vol_user)
    url = reverse("timebank:my_record", args=[site.community.pk])
    make_record(site, volunteer.person)
    client.get(url)
    small = _queries(client, url)
    for _i in range(25):
        make_record(site, volunteer.person)
    award_add(actor=staff[Role.SECRETARY], volunteer=volunteer, title="t", awarded_on=past_month(MARCH)[0], issuer="i")
    assert _queries(client, url) == small


def test_recruitment_and_team_pages_query_counts_are_constant(site, staff):
    secretary = staff[Role.SECRETARY]
    client = login(secretary)
    urls = [
        reverse("timebank:recruitment_list", args=[site.community.pk]),
        reverse("timebank:team_list", args=[site.community.pk]),
    ]

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            recruitment_save(actor=secretary, community=site.community, title=f"招募{i}", description="d")
            team_save(actor=secretary, community=site.community, name=f"队{i}")

    add(1, 0)
    for url in urls:
        client.get(url)
    small = [_queries(client, u) for u in urls]
    add(25, 1)
    assert [_queries(client, u) for u in urls] == small
