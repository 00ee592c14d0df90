"""Printed ballot sheets: issue, reissue, entry by serial, the PDFs (real bytes, read back with poppler's
pdftotext) and the pages' permissions, phases and query counts."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.audit import AuditEvent
from gongzhi.core.errors import AlreadyVoted, PermissionDenied, PhaseClosed, ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, BallotSheet, Topic
from gongzhi.deliberation.selectors.sheets import sheet_summary
from gongzhi.deliberation.selectors.topics import designated_owner_ids, elevator_view
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_void
from gongzhi.deliberation.services.elevator import elevator_plan_set
from gongzhi.deliberation.services.sheets import ballot_enter_by_serial, sheet_issue, sheet_reissue
from gongzhi.deliberation.services.topics import (
    topic_accept,
    topic_decide,
    topic_open_voting,
    topic_propose,
    topic_publish,
)
from tests.conftest import login
from tests.deliberation.conftest import voting_topic
from tests.queries import queries

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is missing")


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    command = ["pdftotext", "-layout", str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True).stdout.decode()


def page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", data))


def issued(site, secretary, **kwargs) -> tuple[Topic, list[BallotSheet]]:
    topic = voting_topic(site, secretary, **kwargs)
    return topic, sheet_issue(actor=secretary, topic=topic)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_one_sheet_per_voting_household_and_reprinting_keeps_serials(owners, secretary):
    site = owners.site
    topic, sheets = issued(site, secretary)
    assert len(sheets) == 16 == len(designated_owner_ids(topic=topic))
    serials = [s.serial_no for s in sheets]
    assert serials[0] == f"T{topic.pk}-00001" and serials[-1] == f"T{topic.pk}-00016"
    assert len(set(serials)) == 16 and len({s.token for s in sheets}) == 16
    assert sheet_issue(actor=secretary, topic=topic) == []  # idempotent
    assert sorted(BallotSheet.objects.values_list("serial_no", flat=True)) == sorted(serials)
    assert AuditEvent.objects.filter(verb="sheet.issue").count() == 2
    by_household = {s.household_id: s.voter_id for s in sheets}
    assert by_household == designated_owner_ids(topic=topic)


@pytest.mark.django_db
def test_sheets_only_by_managers_and_only_while_open(owners, secretary, staff, other_staff):
    site = owners.site
    topic = voting_topic(site, secretary)
    for actor in (staff[Role.BUILDING_HEAD], staff[Role.RESIDENT], other_staff[Role.SECRETARY], owners.accounts[0]):
        with pytest.raises(PermissionDenied):
            sheet_issue(actor=actor, topic=topic)
    accepted = topic_propose(actor=secretary, place=site.community, title="未公布", summary="s")
    topic_accept(actor=secretary, topic=accepted)
    with pytest.raises(PhaseClosed) as err:
        sheet_issue(actor=secretary, topic=accepted)
    assert err.value.code == "sheets_closed"
    talk = topic_propose(actor=secretary, place=site.community, title="只讨论", summary="s")
    topic_accept(actor=secretary, topic=talk)
    topic_publish(actor=secretary, topic=talk, procedure="discussion", body="方案")
    with pytest.raises(PhaseClosed) as err:
        sheet_issue(actor=secretary, topic=talk)
    assert err.value.code == "no_vote"
    published = topic_propose(actor=secretary, place=site.units[0], title="已公布", summary="s")
    topic_accept(actor=secretary, topic=published)
    topic_publish(actor=secretary, topic=published, procedure="owners", matter="ordinary", body="方案")
    assert len(sheet_issue(actor=secretary, topic=published)) == 4  # one unit's four flats
    assert not BallotSheet.objects.filter(topic__in=[accepted, talk]).exists()


@pytest.mark.django_db
def test_decided_topic_prints_no_more_sheets(owners, secretary, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    topic = voting_topic(owners.site, secretary, hours=1)
    time_machine.shift(datetime.timedelta(hours=2))
    topic_decide(actor=secretary, topic=topic, resolution="通过")
    with pytest.raises(PhaseClosed) as err:
        sheet_issue(actor=secretary, topic=topic)
    assert err.value.code == "sheets_closed"


@pytest.mark.django_db
def test_enter_by_serial_votes_for_the_sheets_household(owners, secretary):
    site = owners.site
    topic, sheets = issued(site, secretary)
    sheet = sheets[3]
    ballot = ballot_enter_by_serial(actor=secretary, topic=topic, serial=sheet.serial_no.lower(), choice="agree")
    assert ballot.voter_id == sheet.voter_id and ballot.serial_no == sheet.serial_no and ballot.channel == "paper"
    with pytest.raises((AlreadyVoted, ValidationFailed)) as repeat:  # the owner's ballot, or the serial, is taken
        ballot_enter_by_serial(actor=secretary, topic=topic, serial=sheet.serial_no, choice="agree")
    assert repeat.value.code in ("already_voted", "serial_used")
    # A scanner types the QR's URL: serial and token are read from it, and the token must match.
    url = f"https://example.org/c/1/topics/{topic.pk}/ballots/?serial={sheets[4].serial_no}&t={sheets[4].token}"
    assert ballot_enter_by_serial(actor=secretary, topic=topic, serial=url, choice="abstain").voter_id == (
        sheets[4].voter_id
    )
    forged = f"https://example.org/?serial={sheets[5].serial_no}&t={sheets[6].token}"
    cases = {
        forged: "sheet_token",
        "": "serial_required",
        "T0-00001": "sheet_unknown",
        f"T{topic.pk}-99999": "sheet_unknown",
        "<script>": "sheet_unknown",
    }
    for serial, code in cases.items():
        with pytest.raises(ValidationFailed) as err:
            ballot_enter_by_serial(actor=secretary, topic=topic, serial=serial, choice="agree")
        assert err.value.code == code, serial
    other, other_sheets = issued(site, secretary)
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_by_serial(actor=secretary, topic=topic, serial=other_sheets[0].serial_no, choice="agree")
    assert err.value.code == "sheet_other_topic" and "另一议题" in str(err.value.message)
    assert Ballot.objects.filter(topic=topic).count() == 2 and not Ballot.objects.filter(topic=other).exists()
    with pytest.raises(PermissionDenied):
        ballot_enter_by_serial(actor=owners.accounts[0], topic=topic, serial=sheets[7].serial_no, choice="agree")


@pytest.mark.django_db
def test_a_used_serial_stays_used_after_its_ballot_is_voided(owners, secretary):
    topic, sheets = issued(owners.site, secretary)
    ballot = ballot_enter_by_serial(actor=secretary, topic=topic, serial=sheets[0].serial_no, choice="agree")
    with pytest.raises(ValidationFailed) as err:
        sheet_reissue(actor=secretary, sheet=sheets[0], reason="填错")
    assert err.value.code == "sheet_used"
    ballot_void(actor=secretary, ballot=ballot, reason="业主称填错")
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_by_serial(actor=secretary, topic=topic, serial=sheets[0].serial_no, choice="disagree")
    assert err.value.code == "serial_used"  # paper_serial_used_once: a serial counts once, even after a void
    new = sheet_reissue(actor=secretary, sheet=sheets[0], reason="原票已作废，重新印发")
    assert ballot_enter_by_serial(actor=secretary, topic=topic, serial=new.serial_no, choice="disagree")


@pytest.mark.django_db
def test_reissue_voids_the_old_serial_with_a_reason(owners, secretary, staff):
    topic, sheets = issued(owners.site, secretary)
    old = sheets[2]
    for reason, code in (("", "reason_required"), ("<b>丢了</b>", "bad_text")):
        with pytest.raises(ValidationFailed) as err:
            sheet_reissue(actor=secretary, sheet=old, reason=reason)
        assert err.value.code == code
    with pytest.raises(PermissionDenied):
        sheet_reissue(actor=staff[Role.BUILDING_HEAD], sheet=old, reason="丢了")
    assert BallotSheet.objects.filter(voided_at__isnull=False).count() == 0
    new = sheet_reissue(actor=secretary, sheet=old, reason="业主称表决票遗失")
    assert new.serial_no == f"T{topic.pk}-00017" and new.household_id == old.household_id and new.replaces_id == old.pk
    old.refresh_from_db()
    assert old.voided_at and old.void_reason == "业主称表决票遗失"
    with pytest.raises(ValidationFailed) as err:
        sheet_reissue(actor=secretary, sheet=old, reason="再来")
    assert err.value.code == "sheet_void"
    with pytest.raises(ValidationFailed) as err:
        ballot_enter_by_serial(actor=secretary, topic=topic, serial=old.serial_no, choice="agree")
    assert err.value.code == "sheet_void" and new.serial_no in str(err.value.message)
    assert sheet_issue(actor=secretary, topic=topic) == []  # the household still has one live sheet
    assert sheet_summary(actor=secretary, topic=topic).live == 16


@pytest.mark.django_db
def test_sheet_pdf_has_one_page_per_household_with_embedded_font_and_masked_owner(owners, secretary, tmp_path):
    site = owners.site
    topic, sheets = issued(site, secretary, matter="major")
    response = login(secretary).get(f"/c/{site.community.pk}/topics/{topic.pk}/sheets/print.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = body(response)
    assert data.startswith(b"%PDF-") and b"/FontFile2" in data and b"WenQuanYiMicroHei" in data
    assert page_count(data) == 16
    text = pdf_text(data, tmp_path)
    for sheet in sheets:
        assert sheet.serial_no in text
    assert text.count("业主表决票") >= 16 and "小区停车位重新划线" in text
    assert "同意" in text and "反对" in text and "弃权" in text and "业主签名" in text
    assert "四分之三以上" in text and "民法典第二百七十八条" in text
    assert "花园小区 1栋 1单元 101" in text and "81.50 m²" in text
    owner = site.people[0]
    assert owner.masked_name in text and owner.name not in text and owner.id_number not in text
    assert re.search(r"第\s*16\s*/\s*16\s*页", text) and site.community.name in text and "打印时间" in text
    single = login(secretary).get(
        f"/c/{site.community.pk}/topics/{topic.pk}/sheets/print.pdf?serial={sheets[5].serial_no}"
    )
    one = body(single)
    assert page_count(one) == 1 and sheets[5].serial_no in pdf_text(one, tmp_path)


@pytest.mark.django_db
def test_elevator_sheet_shows_the_households_share(owners, secretary, tmp_path):
    from tests.deliberation.test_elevator import elevator_topic

    site = owners.site
    topic = elevator_topic(site, secretary)
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="200000")
    sheet_issue(actor=secretary, topic=topic)
    text = pdf_text(body(login(secretary).get(f"/c/{site.community.pk}/topics/{topic.pk}/sheets/print.pdf")), tmp_path)
    shares = {r["room"]: r["share"] for r in elevator_view(actor=secretary, topic=topic).rows}
    assert f"按方案本户分摊：{shares['201']} 元" in text and "特别事项" in text


@pytest.mark.django_db
def test_sheet_pages_queries_do_not_grow_with_households(owners, secretary):
    site = owners.site
    client = login(secretary)
    counts = {}
    for place in (site.units[0], site.community):  # 4 households, then 16
        topic, _sheets = issued(site, secretary, place=place)
        base = f"/c/{site.community.pk}/topics/{topic.pk}/sheets/"
        for url in (base, base + "print.pdf"):
            with queries() as ctx:
                response = client.get(url)
                body(response)
            assert response.status_code == 200
            counts.setdefault(url.endswith(".pdf"), []).append(len(ctx.captured_queries))
    assert counts[False][0] == counts[False][1] and counts[True][0] == counts[True][1], counts


def _decided(site, secretary, owners, time_machine, *, matter="ordinary"):
    time_machine.move_to(timezone.now(), tick=False)
    topic = voting_topic(site, secretary, hours=1, matter=matter)
    for account in owners.accounts[:12]:
        ballot_cast(actor=account, topic=topic, choice="agree")
    time_machine.shift(datetime.timedelta(hours=2))
    topic_decide(actor=secretary, topic=topic, resolution="同意重新划线，由物业实施")
    topic.refresh_from_db()
    return topic


@pytest.mark.django_db
def test_notice_pdf_carries_the_frozen_thresholds_and_the_contact(owners, secretary, time_machine, tmp_path):
    site = owners.site
    topic = _decided(site, secretary, owners, time_machine)
    response = login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/{topic.pk}/notice.pdf")
    assert response.status_code == 200
    data = body(response)
    assert data.startswith(b"%PDF-") and b"/FontFile2" in data and b"WenQuanYiMicroHei" in data
    text = pdf_text(data, tmp_path)
    for line in topic.result["thresholds"]:
        assert line.replace("✗", "×") in text  # the font has no ✗; × is printed in its place
    assert "同意重新划线，由物业实施" in text and "结果：通过" in text and "公示" in text
    assert site.community.name in text and "028-83900000" in text and "异议" in text
    html = login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="notice-link"' in html


@pytest.mark.django_db
def test_elevator_notice_has_the_cost_split_and_the_publicity_window(owners, secretary, time_machine, tmp_path):
    from tests.deliberation.test_elevator import elevator_topic

    site = owners.site
    time_machine.move_to(timezone.now(), tick=False)
    topic = elevator_topic(site, secretary)
    elevator_plan_set(actor=secretary, topic=topic, total_yuan="240000.00", publicity_days=10)
    topic_open_voting(actor=secretary, topic=topic, closes_at=timezone.now() + datetime.timedelta(hours=1))
    for account in owners.accounts[:4]:
        ballot_cast(actor=account, topic=topic, choice="agree")
    time_machine.shift(datetime.timedelta(hours=2))
    topic_decide(actor=secretary, topic=topic, resolution="同意加装")
    text = pdf_text(
        body(login(owners.accounts[3]).get(f"/c/{site.community.pk}/topics/{topic.pk}/notice.pdf")), tmp_path
    )
    view = elevator_view(actor=secretary, topic=topic)
    assert "240,000.00" in text and "分摊(元)" in text
    for row in view.rows:
        assert re.search(rf"{row['room']}\s+{row['floor']}\s+{row['area']}\s+\S+\s+{re.escape(row['share'])}", text)
    start = timezone.localtime(view.publicity_start).strftime("%Y-%m-%d %H:%M")
    end = timezone.localtime(view.publicity_end).strftime("%Y-%m-%d %H:%M")
    assert f"公示期 {start} 至 {end}" in text


@pytest.mark.django_db
def test_notice_is_refused_before_the_decision(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    response = login(owners.accounts[0]).get(f"/c/{site.community.pk}/topics/{topic.pk}/notice.pdf")
    assert response.status_code == 409 and "形成决议后" in response.content.decode()


def _urls(site, topic, sheet):
    base = f"/c/{site.community.pk}/topics/{topic.pk}/"
    return {
        "sheets": ("get", base + "sheets/"),
        "pdf": ("get", base + "sheets/print.pdf"),
        "issue": ("post", base + "sheets/issue/"),
        "reissue": ("post", base + f"sheets/{sheet.pk}/reissue/"),
        "coefficients": ("get", f"/c/{site.community.pk}/topics/elevator-coefficients/"),
    }


STAFF_PAGES = ["sheets", "pdf", "issue", "reissue", "coefficients"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_permission_matrix(owners, secretary, staff, other_staff, client, name):
    site = owners.site
    topic, sheets = issued(site, secretary)
    method, url = _urls(site, topic, sheets[0])[name]
    data = {"reason": "遗失"} if name == "reissue" else {}
    anonymous = getattr(client, method)(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert getattr(login(other_staff[Role.SECRETARY]), method)(url, data).status_code == 404
    for lower in (staff[Role.BUILDING_HEAD], owners.accounts[0]):
        assert getattr(login(lower), method)(url, data).status_code == 403
    allowed = getattr(login(secretary), method)(url, data)
    assert allowed.status_code == (200 if method == "get" else 302)
    assert BallotSheet.objects.filter(voided_at__isnull=False).count() == (1 if name == "reissue" else 0)


@pytest.mark.django_db
def test_notice_permission_matrix(owners, secretary, other_staff, client, time_machine):
    site = owners.site
    topic = _decided(site, secretary, owners, time_machine)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/notice.pdf"
    assert client.get(url).status_code == 302
    assert login(other_staff[Role.SECRETARY]).get(url).status_code == 404
    building = voting_topic(site, secretary, place=site.buildings[1])
    resident_of_building_1 = owners.accounts[0]
    assert (
        login(resident_of_building_1).get(f"/c/{site.community.pk}/topics/{building.pk}/notice.pdf").status_code == 404
    )
    assert login(resident_of_building_1).get(url).status_code == 200
    assert login(secretary).get(url).status_code == 200


@pytest.mark.django_db
def test_sheets_page_issues_and_reissues_through_forms(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    client = login(secretary)
    base = f"/c/{site.community.pk}/topics/{topic.pk}/sheets/"
    assert "还没有印发表决票" in client.get(base).content.decode()
    empty_pdf = client.get(base + "print.pdf", follow=True).content.decode()
    assert "还没有印发表决票" in empty_pdf
    page = client.post(base + "issue/", follow=True).content.decode()
    assert "已印发 16 张表决票" in page and f"T{topic.pk}-00016" in page
    sheet = BallotSheet.objects.get(seq=1)
    refused = client.post(base + f"{sheet.pk}/reissue/", {"reason": ""}, follow=True).content.decode()
    assert "重新印发须写明原因" in refused and not BallotSheet.objects.filter(voided_at__isnull=False).exists()
    done = client.post(base + f"{sheet.pk}/reissue/", {"reason": "遗失"}, follow=True).content.decode()
    assert f"重新印发 T{topic.pk}-00017" in done
    html = client.get(f"/c/{site.community.pk}/topics/{topic.pk}/").content.decode()
    assert 'id="print-sheets"' in html


@pytest.mark.django_db
def test_ballots_page_enters_a_sheet_by_serial_without_id_number(owners, secretary):
    site = owners.site
    topic, sheets = issued(site, secretary)
    client = login(secretary)
    url = f"/c/{site.community.pk}/topics/{topic.pk}/ballots/"
    prefilled = client.get(url, {"serial": sheets[1].serial_no, "t": sheets[1].token}).content.decode()
    assert f'value="{sheets[1].serial_no}"' in prefilled and f'value="{sheets[1].token}"' in prefilled
    ok = client.post(
        url, {"channel": "paper", "serial_no": sheets[1].serial_no, "token": sheets[1].token, "choice": "agree"}
    )
    assert ok.status_code == 302
    assert Ballot.objects.get().voter_id == sheets[1].voter_id
    again = client.post(url, {"channel": "paper", "serial_no": sheets[1].serial_no, "choice": "agree"}).content.decode()
    assert "该编号的表决票已录入" in again
    unknown = client.post(url, {"channel": "paper", "serial_no": f"T{topic.pk}-00999", "choice": "agree"})
    assert "没有编号为" in unknown.content.decode()
    blank = client.post(url, {"channel": "paper", "serial_no": "", "choice": "agree"}).content.decode()
    assert "请填写或扫描表决票编号" in blank
    by_id = client.post(
        url, {"channel": "paper", "id_number": site.people[9].id_number, "serial_no": "外-001", "choice": "agree"}
    )
    assert by_id.status_code == 302 and Ballot.objects.count() == 2
    proxy_without_id = client.post(url, {"channel": "proxy", "proxy_name": "李四", "choice": "agree"}).content.decode()
    assert "请填写业主身份证号" in proxy_without_id and Ballot.objects.count() == 2


def test_sheets_stream_from_a_generator_one_page_each(settings):
    """No database: the renderer alone, fed lazily as the chunked query feeds it. Its speed (1,000 sheets) is
    measured by bench/sheets.py, not asserted here."""
    import io
    from types import SimpleNamespace

    from gongzhi.deliberation.printing import render_sheets
    from gongzhi.deliberation.selectors.sheets import SheetRow

    topic = Topic(pk=7, title="花园颐院院落管理制度", matter="ordinary")
    rows = (
        SheetRow(f"T7-{i:05d}", "0123456789abcdef", i, "花园颐院 3栋 2单元 502", Decimal("89.35"), False, "张*明")
        for i in range(1, 61)
    )
    out = io.BytesIO()
    n = render_sheets(
        out,
        community=SimpleNamespace(name="东环路社区"),
        topic=topic,
        rows=rows,
        pages=60,
        entry_url="https://x/b/",
        shares={},
    )
    assert n == 60 and page_count(out.getvalue()) == 60
