"""时间银行 flow 3 on a phone: staff open a resident's account that holds a wrongly issued posting, reverse it with a
reason, and see the compensating entry linked to the original and the balance back; a second wrong posting whose
points were already spent is refused with the ledger's Chinese message."""

import pytest

from gongzhi.timebank.models.ledger import Account, Transaction, TransactionKind
from gongzhi.timebank.services.ledger import points_issue, points_spend
from tests import factories
from tests.browser.conftest import log_in, screenshot
from tests.timebank.conftest import key, make_bank

pytestmark = pytest.mark.browser


@pytest.fixture
def bank(transactional_db):  # type: ignore[no-untyped-def]
    site = factories.make_community(name="东环路社区", residents_per_household=2)
    return make_bank(site, factories.staff_of(site))


def no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_staff_reverse_a_wrong_posting_and_see_the_balance_back(page, bank):  # type: ignore[no-untyped-def]
    c = bank.site.community.pk
    bank.issue(bank.alice_acct, 20)
    wrong = points_issue(
        actor=bank.secretary, account=bank.alice_acct, amount=50, memo="重阳节敬老（重复登记）", idempotency_key=key()
    )
    log_in(page, bank.secretary.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/timebank/")
    page.click("#tb-nav-accounts")
    page.wait_for_url(f"**/c/{c}/timebank/accounts/")
    row = page.locator(f'.account-row[data-account="{bank.alice_acct.pk}"]')
    assert bank.alice.masked_name in row.inner_text() and bank.alice.name not in page.content()
    row.locator("a").first.click()
    page.wait_for_url(f"**/c/{c}/timebank/accounts/{bank.alice_acct.pk}/")
    assert page.locator("#account-balance").inner_text() == "70"
    assert no_sideways_scroll(page)
    screenshot(page, "timebank3-before-reverse")

    page.fill(f"#reason-{wrong.pk}", "重复登记，多发了 50 积分")
    page.click(f"#reverse-{wrong.pk}")
    page.wait_for_selector(f"text=已冲正交易 #{wrong.pk}")
    reversal = Transaction.objects.get(reverses=wrong)
    assert reversal.kind == TransactionKind.REVERSE and reversal.reason == "重复登记，多发了 50 积分"
    assert page.locator("#account-balance").inner_text() == "20"
    entry = page.locator(f'.entry.reversal[data-transaction="{reversal.pk}"]')
    assert "-50" in entry.inner_text() and "重复登记，多发了 50 积分" in entry.inner_text()
    assert entry.locator(".running").inner_text() == "20"
    original = page.locator(f'.entry[data-transaction="{wrong.pk}"]')
    assert f"已被 #{reversal.pk} 冲正" in original.inner_text()
    assert page.locator(f"#reverse-{wrong.pk}").count() == 0 and page.locator(f"#reverse-{reversal.pk}").count() == 0
    assert Account.objects.get(pk=bank.alice_acct.pk).balance == 20
    screenshot(page, "timebank3-reversed")

    # The first posting's points are partly spent: the ledger refuses and says what to do, in large font too.
    first = Transaction.objects.filter(kind=TransactionKind.EARN, memo="服务").get()
    points_spend(actor=bank.alice_user, account=bank.alice_acct, amount=15, memo="大米", idempotency_key=key())
    page.reload()
    page.click("#toggle-large-font")
    page.wait_for_selector("body.large-font")
    page.fill(f"#reason-{first.pk}", "错发")
    page.click(f"#reverse-{first.pk}")
    page.wait_for_selector("#ledger-error")
    assert "积分已被使用" in page.locator("#ledger-error").inner_text()
    assert "请先冲正之后的兑换" in page.locator("#ledger-error").inner_text()
    assert not Transaction.objects.filter(reverses=first).exists()
    assert page.locator("#account-balance").inner_text() == "5"
    assert no_sideways_scroll(page)
    screenshot(page, "timebank3-refused-large-font")


def test_a_resident_gives_points_to_family_on_the_phone(page, bank):  # type: ignore[no-untyped-def]
    c = bank.site.community.pk
    bank.issue(bank.alice_acct, 60)
    log_in(page, bank.alice_user.phone, factories.PASSWORD)
    page.wait_for_load_state()
    page.goto(f"/c/{c}/timebank/")
    assert page.locator("#my-balance").inner_text() == "60"
    assert "本月还能赠送 200 积分" in page.locator("#gift-left").inner_text()
    page.select_option("#id_recipient", str(bank.bob_acct.pk))
    page.fill("#id_amount", "25")
    page.fill("#id_memo", "给爸爸买菜")
    page.click("#gift-submit")
    page.wait_for_selector("text=已赠送 25 积分")
    assert page.locator("#my-balance").inner_text() == "35"
    assert "本月还能赠送 175 积分" in page.locator("#gift-left").inner_text()
    assert Account.objects.get(pk=bank.bob_acct.pk).balance == 25
    assert no_sideways_scroll(page)
    screenshot(page, "timebank3-family-gift")
