"""Content-Security-Policy on every response, templates a strict policy can run (no inline script, no on*= handler,
no javascript: URL, no htmx feature that evaluates), and the request id on every response."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from gongzhi.core.security import POLICY, ContentSecurityPolicyMiddleware

SRC = Path(__file__).resolve().parents[2] / "src"
TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
# What htmx would evaluate as JavaScript: event handlers in hx-on, hx-vars, and js:/javascript: in hx-vals or
# hx-headers. Trigger filters (`click[ctrlKey]`) evaluate too.
EVAL_PREFIX = re.compile(r"^\s*(js|javascript):", re.IGNORECASE)


def problems_in(html: str) -> list[str]:
    """Everything in `html` that a policy without 'unsafe-inline' and 'unsafe-eval' for scripts refuses or breaks."""
    problems = []
    for match in TAG.finditer(html):
        name, rest = match.group(1).lower(), match.group(2)
        attributes = {a.lower(): (v or "").strip("\"'") for a, v in ATTRIBUTE.findall(rest)}
        if name == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            problems.append(f"inline script: {match.group(0)[:80]}")
        for attribute, value in attributes.items():
            if re.fullmatch(r"on[a-z]+", attribute):
                problems.append(f"{attribute}= handler: {match.group(0)[:80]}")
            if attribute.startswith(("hx-on", "data-hx-on")) or attribute in ("hx-vars", "data-hx-vars"):
                problems.append(f"{attribute}: {match.group(0)[:80]}")
            if attribute in ("hx-vals", "hx-headers") and EVAL_PREFIX.match(value):
                problems.append(f"{attribute} evaluates: {match.group(0)[:80]}")
            if attribute == "hx-trigger" and "[" in value:
                problems.append(f"hx-trigger filter evaluates: {match.group(0)[:80]}")
            if "javascript:" in value.lower().replace(" ", ""):
                problems.append(f"javascript: URL: {match.group(0)[:80]}")
    return problems


def templates() -> list[Path]:
    found = sorted(SRC.rglob("templates/**/*.html"))
    assert len(found) > 100  # the scan sees the project's templates, not an empty folder
    return found


def test_no_template_needs_inline_script():
    problems = [f"{path.relative_to(SRC)}: {p}" for path in templates() for p in problems_in(path.read_text("utf-8"))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<script type='module'>x()</script>",
        '<button type="button" onclick="go()">go</button>',
        "<body onload=start()>",
        '<a href="javascript:void(0)">x</a>',
        '<a href=" JavaScript: go()">x</a>',
        '<form hx-on::after-request="x()">',
        '<div hx-on="click: x()">',
        '<div hx-vars="a:location.href">',
        "<div hx-vals='js:{a: 1}'>",
        "<input hx-trigger=\"keyup[key=='Enter']\">",
    ],
)
def test_the_scan_catches_what_the_policy_would_refuse(html):
    assert problems_in(html)


@pytest.mark.parametrize(
    "html",
    [
        '<script src="/static/gongzhi/app.js" defer></script>',
        '<script id="stats" type="application/json">{"a": 1}</script>',
        '<button data-confirm="确定？" class="online">x</button>',
        '<div hx-vals=\'{"a": 1}\' hx-trigger="keyup changed delay:400ms, change">',
        '<p style="width:40%">只有样式</p>',
    ],
)
def test_the_scan_lets_static_scripts_and_data_through(html):
    assert problems_in(html) == []


@pytest.mark.django_db
def test_every_page_carries_the_policy():
    response = Client().get("/login/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert policy == POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Refusals and missing pages too.
    assert Client().get("/no-such-page/")["Content-Security-Policy"] == POLICY


def test_a_policy_set_by_the_view_is_kept():
    sandbox = "default-src 'none'; sandbox"

    def view(request):
        response = HttpResponse(b"\x89PNG")
        response["Content-Security-Policy"] = sandbox
        return response

    response = ContentSecurityPolicyMiddleware(view)(RequestFactory().get("/c/1/voices/1/photos/1/"))
    assert response["Content-Security-Policy"] == sandbox


@pytest.mark.django_db
def test_htmx_is_configured_not_to_evaluate_or_inject_styles(staff):
    from tests.conftest import login

    html = login(next(iter(staff.values()))).get("/me/").content.decode()
    assert """<meta name="htmx-config" content='{"allowEval":false,"allowScriptTags":false,""" in html
    assert '"includeIndicatorStyles":false}' in html
    css = (SRC / "gongzhi/core/static/gongzhi/app.css").read_text()
    assert ".htmx-request .htmx-indicator" in css  # the styles htmx no longer injects


@pytest.mark.django_db
def test_the_api_docs_page_runs_under_the_policy():
    """ninja's Swagger UI loads its script from static files and reads its settings from a JSON block."""
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html and problems_in(html) == []


# --- the request id ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offered", ["0f8e6b1c2d3a4b5c6d7e8f9a0b1c2d3e", "6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "abcXYZ123"]
)
def test_a_sane_request_id_from_the_proxy_is_echoed(offered):
    assert Client().get("/login/", HTTP_X_REQUEST_ID=offered)["X-Request-ID"] == offered


@pytest.mark.django_db
@pytest.mark.parametrize(
    "offered", ["", "a" * 65, "id with spaces", "<script>", "x\r\nSet-Cookie: a=b", "汉字", "a_b", "../.."]
)
def test_any_other_request_id_is_replaced_by_a_new_one(offered):
    response = Client().get("/login/", HTTP_X_REQUEST_ID=offered)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
def test_each_request_gets_its_own_id():
    client = Client()
    ids = {client.get("/login/")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


@pytest.mark.django_db
@pytest.mark.parametrize("https", [False, True])
def test_the_preference_cookies_are_secure_behind_https(settings, https):
    settings.LANGUAGE_COOKIE_SECURE = https
    response = Client().post("/prefs/", {"language": "en", "large_font": "1", "next": "/"})
    assert response.status_code == 302
    for name in (settings.LANGUAGE_COOKIE_NAME, "gongzhi_large_font"):
        cookie = response.cookies[name]
        assert bool(cookie["secure"]) is https and cookie["httponly"] and cookie["samesite"] == "Lax"
