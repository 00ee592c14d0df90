"""Printed ballot sheets in Debian chromium: staff print a topic's sheets, download the PDF, then open a sheet's
QR link (as a phone camera would) and enter its vote without typing an ID number."""

import pytest

from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot, BallotSheet
from gongzhi.people.services import ownership_add
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.deliberation.conftest import voting_topic

pytestmark = pytest.mark.browser


def test_staff_print_sheets_and_enter_one_from_its_qr_link(page, transactional_db):
    site = factories.make_community(name="瀝雄社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="谈书记")
    for person in site.people:
        ownership_add(actor=None, household=person.household, person=person)
    topic = voting_topic(site, secretary)
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{site.community.pk}/")
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/")
    page.click("#print-sheets")
    page.click("#issue-sheets")
    page.wait_for_selector("text=已印发 16 张表决票")
    screenshot(page, "sheets1-issued")
    href = page.get_attribute("#download-sheets", "href")
    pdf = page.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

    sheet = BallotSheet.objects.get(topic=topic, seq=7)
    page.goto(f"/c/{site.community.pk}/topics/{topic.pk}/ballots/?serial={sheet.serial_no}&t={sheet.token}")
    assert page.input_value("#id_serial_no") == sheet.serial_no
    page.select_option("#id_choice", "agree")
    page.click("#ballot-submit")
    page.wait_for_selector("text=表决票已录入")
    screenshot(page, "sheets2-entered-by-serial")
    ballot = Ballot.objects.get(topic=topic)
    assert ballot.voter_id == sheet.voter_id and ballot.serial_no == sheet.serial_no
