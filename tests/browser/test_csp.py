"""The Content-Security-Policy in a real browser (Debian chromium): pages that run script (htmx, the time bank's
ECharts statistics, the API's Swagger UI) work under it, and the browser reports no violation. The template scan in
tests/core/test_security.py finds inline script in our templates; this finds what a library does at run time.
Run with `-m browser -p no:xdist`."""

from __future__ import annotations

import pytest
from django.test import override_settings

from gongzhi.core.roles import Role
from tests import factories
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's init script runs outside the page's policy; it records what the policy refused.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.sourceFile + ":" + e.lineNumber;
  window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return list(page.evaluate("window.cspViolations"))


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_pages_that_run_script_work_under_the_policy(page):
    site = factories.make_community()
    staff = factories.staff_of(site)[Role.SECRETARY]
    page.set_default_timeout(60000)  # a loaded CI machine: the policy is the question here, not the speed
    page.add_init_script(RECORD_VIOLATIONS)
    refused_in_console: list[str] = []
    page.on("console", lambda m: refused_in_console.append(m.text) if "Content Security Policy" in m.text else None)

    log_in(page, staff.phone, factories.PASSWORD)
    # htmx loaded, told not to evaluate, and still swapping: the resident list's search filters as one types.
    page.goto(f"/c/{site.community.pk}/people/")
    page.wait_for_function("window.htmx !== undefined")
    assert page.evaluate("[htmx.config.allowEval, htmx.config.includeIndicatorStyles]") == [False, False]
    with page.expect_response(lambda r: "/people/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.fill("#id_q", "无此人")
    assert violations(page) == []

    # The time bank's statistics draw their four charts from the static stats.js.
    page.goto(f"/c/{site.community.pk}/timebank/stats/")
    page.wait_for_selector("body[data-charts='4']")
    assert page.locator("#chart-trend canvas").count() == 1
    assert violations(page) == []

    # ninja's Swagger UI renders the API's operations.
    page.goto("/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30000)
    assert violations(page) == [] and refused_in_console == []

    # The recorder hears a refusal, and the policy does refuse: a script injected inline does not run.
    inject = "const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s)"
    page.evaluate(f"() => {{ {inject} }}")
    page.wait_for_function("window.cspViolations.length === 1")
    assert violations(page)[0].startswith("script-src-elem inline") and page.evaluate("window.ran") is None
