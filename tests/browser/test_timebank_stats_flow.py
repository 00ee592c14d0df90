"""Flow 4 of issue 6 in Debian chromium on a phone: staff of 东环路 (13800000001) open the time bank statistics
page of the demo and see the article's figures, the same the statistics selector computes. Run with
`-m browser -p no:xdist`."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import override_settings

from gongzhi.core.models import User
from gongzhi.demo.people.load import load_demo
from gongzhi.demo.people.specs import DEMO_PASSWORD
from gongzhi.demo.timebank.load import load_timebank_demo
from gongzhi.places.models import Place
from gongzhi.timebank.selectors.stats import timebank_stats
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (element id, key of the selector's figures, the article's figure)
FIGURES = (
    ("stat-volunteers", ("volunteers",), 600),
    ("stat-party-member-volunteers", ("party_member_volunteers",), 230),
    ("stat-people-served", ("people_served",), 3000),
    ("stat-hours", ("hours",), 6300),
    ("stat-self-organizations", ("self_organizations",), 8),
    ("stat-cards-party-org", ("cards", "party_org"), 12),
    ("stat-cards-enterprise", ("cards", "enterprise"), 3),
    ("stat-cards-courtyard", ("cards", "courtyard"), 15),
)


def _number(text: str | None) -> int:
    return int((text or "").replace(",", "").replace("，", "").strip())


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_staff_see_the_demo_figures_on_the_statistics_page(page):
    # An earlier transactional test flushed the built-in tags that a migration made; the demo tags Party members.
    importlib.import_module("gongzhi.people.migrations.0002_builtin_tags").forwards(apps, None)
    street = load_demo(residents_lixiong=300).street
    load_timebank_demo(street=street, password=DEMO_PASSWORD)
    community = Place.objects.get(parent=street, name="东环路社区")
    staff = User.objects.get(phone="13800000001")
    expected = timebank_stats(actor=staff, community=community)

    log_in(page, staff.phone, DEMO_PASSWORD)
    page.goto(f"/c/{community.pk}/timebank/stats/")
    page.wait_for_selector("#stats-figures")
    for element, keys, article in FIGURES:
        value = expected
        for key in keys:
            value = value[key]
        shown = _number(page.text_content(f"#{element}"))
        assert shown == value >= article, (element, shown, value)
    assert _number(page.text_content("#stat-self-organizations")) == 8
    screenshot(page, "timebank-stats-demo-phone")
