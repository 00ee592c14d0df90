"""An account that must change its first password reaches nothing else: every URL pattern, walked."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

from gongzhi.core.middleware import PASSWORD_CHANGE_OPEN
from gongzhi.core.models import AuditEvent, User
from gongzhi.core.roles import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _fill(pattern: object) -> str:
    """A concrete path for one pattern, every parameter 1 (or a regex's first literal alternative)."""
    text = str(pattern)
    if isinstance(pattern, RegexPattern):

        def group(match: re.Match[str]) -> str:
            body = match.group(1)
            first = body.split("|")[0]
            return first if re.fullmatch(r"[\w-]+", first) else "1"

        text = re.sub(r"\(\?P<\w+>((?:[^()]|\([^()]*\))*)\)", group, text)
        text = text.lstrip("^").rstrip("$").replace("\\.", ".")
    return re.sub(r"<(?:\w+:)?\w+>", "1", text)


def every_path() -> list[tuple[str, str]]:
    """(path, view name) for every URL pattern of the project, includes walked."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[object], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + _fill(p.pattern))
            elif isinstance(p, URLPattern):
                found.append(("/" + prefix + _fill(p.pattern), p.name or ""))

    walk(get_resolver().url_patterns, "")
    return found


def view_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Exception:
        return ""


@pytest.fixture
def newcomer() -> User:
    """A 书记 whose account staff opened with a first password: every page of the community would answer."""
    site = factories.make_community(residents_per_household=0)
    user = factories.make_user(Role.SECRETARY, place=site.community)
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    return User.objects.get(pk=user.pk)


def test_the_walk_covers_the_project():
    paths = dict(every_path())
    assert len(paths) > 300
    assert "/me/export.json" in paths and "/c/1/voices/new/" in paths and "/api/communities" in paths


def test_no_url_answers_before_the_password_is_changed(newcomer):
    client = Client()
    client.force_login(newcomer)
    walked, answered = 0, []
    for path, _name in every_path():
        if view_name(path) in PASSWORD_CHANGE_OPEN:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            walked += 1
            if response.status_code == 302:
                ok = response["Location"] == "/password/"
            elif response.status_code == 403:
                ok = response.json()["code"] == "password_change_required"
            else:
                ok = False
            if not ok:
                answered.append((method, path, response.status_code))
    assert walked > 600
    assert answered == []


def test_pages_redirect_json_refuses_in_the_one_shape(newcomer):
    client = Client()
    client.force_login(newcomer)
    assert client.get("/me/").status_code == 302
    response = client.get("/me/export.json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "password_change_required",
        "message": "请先修改初始密码，再继续使用",
        "extra": {},
    }
    assert client.get("/api/communities").json()["code"] == "password_change_required"
    assert client.get("/me/", HTTP_ACCEPT="application/json").status_code == 403
    htmx = client.get("/me/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403 and htmx["HX-Redirect"] == "/password/"


def test_the_password_page_logout_and_static_files_stay_open(newcomer):
    client = Client()
    client.force_login(newcomer)
    assert client.get("/password/").status_code == 200
    assert client.get("/static/core/missing.css").status_code == 404  # reaches static serving, not the redirect
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_changing_the_password_opens_everything(newcomer):
    client = Client()
    client.force_login(newcomer)
    response = client.post("/password/", {"old_password": factories.PASSWORD, "new_password": "a-new-long-secret"})
    assert response.status_code == 302
    assert not User.objects.get(pk=newcomer.pk).must_change_password
    assert client.get("/me/export.json").status_code == 200
    assert AuditEvent.objects.filter(verb="user.password_change", object_id=str(newcomer.pk)).count() == 1


def test_a_user_who_need_not_change_is_not_redirected():
    user = factories.make_user()
    client = Client()
    client.force_login(user)
    assert client.get("/me/export.json").status_code == 200


def test_the_admins_password_change_goes_through_the_app_page(newcomer):
    staff = factories.make_user()
    User.objects.filter(pk=staff.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=staff.pk))
    response = client.get("/admin/password_change/")
    assert response.status_code == 302 and response["Location"] == "/password/"
    assert client.post("/admin/password_change/", {}).status_code == 302
