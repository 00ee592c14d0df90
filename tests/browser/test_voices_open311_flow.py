"""Open311 keys in the browser (phone viewport, large-font mode): a 书记 issues a key and sees it once, an
integration posts with it, the page shows it used; the 书记 revokes it and the next POST is refused."""

import pytest

from gongzhi.core.roles import Role
from gongzhi.voices.models import Category, Voice
from tests import factories
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def community(transactional_db):
    site = factories.make_community(name="东环路社区")
    secretary = factories.make_user(Role.SECRETARY, place=site.community, name="邹书记")
    secretary.large_font = True
    secretary.save(update_fields=["large_font"])
    Category.objects.create(community=site.community, code="lighting", name="照明", deadline_days=3)
    return site, secretary


def test_issue_use_and_revoke_a_key(page, live_server, community):
    site, secretary = community
    c = site.community.pk
    log_in(page, secretary.phone, factories.PASSWORD)
    page.wait_for_url(f"**/c/{c}/")
    page.goto(f"/c/{c}/voices/open311/keys/")
    assert "large-font" in (page.get_attribute("body", "class") or "")
    page.click("#issue-key")
    assert page.is_visible("p.error-box")  # no name: refused, nothing issued
    page.fill("#id_name", "12345 市民热线")
    page.click("#issue-key")
    raw = page.inner_text("#raw-key").strip()
    assert len(raw) >= 32
    screenshot(page, "open311-key-issued")
    response = page.request.post(
        f"{live_server.url}/open311/v2/requests.json",
        form={
            "api_key": raw,
            "service_code": "lighting",
            "address_id": str(site.buildings[0].pk),
            "description": "1栋门口路灯不亮",
            "phone": "13812345678",
        },
    )
    assert response.status == 200, response.text()
    assert response.json()[0]["service_request_id"] == str(Voice.objects.get().pk)
    page.goto(f"/c/{c}/voices/open311/keys/")
    assert raw not in page.content()  # shown once
    row = page.locator("#keys tr[id^=key-]")
    assert row.count() == 1 and "未使用" not in row.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button").click()
    page.wait_for_selector("ul.messages li.success")
    assert "已撤销" in page.inner_text("#keys")
    screenshot(page, "open311-key-revoked")
    refused = page.request.post(
        f"{live_server.url}/open311/v2/requests.json",
        form={"api_key": raw, "service_code": "lighting", "description": "再报一次"},
    )
    assert refused.status == 403 and refused.json()[0]["code"] == 403
    assert Voice.objects.count() == 1
