"""The 404 and 500 pages: Chinese first, never a traceback, and the request id that the log lines carry too, so
that the number a resident reads off the page finds the traceback in the logs. Log lines name the user by id,
never by phone."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.test import Client, RequestFactory
from django.urls import path

import gongzhi.urls
from gongzhi.core.logs import JsonFormatter, RequestContextFilter
from gongzhi.core.roles import Role
from gongzhi.core.security import server_error
from gongzhi.core.services import api_token_create
from tests.conftest import login
from tests.queries import queries

PHONE = "13812345678"


def boom(request):
    raise RuntimeError(f"the view broke while reading {PHONE}")


# This module is the URLconf of the tests marked `urls(__name__)`: the project's routes, its 500 handler, and a view
# that fails.
urlpatterns = [path("boom/", boom), *gongzhi.urls.urlpatterns]
handler500 = gongzhi.urls.handler500


def console_handler() -> logging.Handler:
    """The handler settings.LOGGING puts on the root logger."""
    found = [h for h in logging.getLogger().handlers if any(isinstance(f, RequestContextFilter) for f in h.filters)]
    assert len(found) == 1, "settings.LOGGING's console handler adds the request id"
    return found[0]


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The console handler as production runs it (GONGZHI_LOG_FORMAT=json, access lines on), into a buffer."""
    handler = console_handler()
    assert isinstance(handler, logging.StreamHandler)
    access = logging.getLogger("gongzhi.access")
    buffer = io.StringIO()
    old_stream, old_formatter, old_level = handler.setStream(buffer), handler.formatter, access.level
    handler.setFormatter(JsonFormatter())
    access.setLevel(logging.INFO)
    yield buffer
    handler.setStream(old_stream)
    handler.setFormatter(old_formatter)
    access.setLevel(old_level)


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def page_request_id(html: str) -> str:
    found = re.search(r'<code id="request-id">([^<]*)</code>', html)
    assert found, html
    return found.group(1)


@pytest.mark.django_db
def test_a_missing_page_is_a_chinese_404_with_the_request_id(staff):
    for client in (Client(), login(staff[Role.SECRETARY])):
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "页面不存在" in html and "返回首页" in html and 'lang="zh-Hans"' in html
        assert page_request_id(html) == response["X-Request-ID"]
        assert "Traceback" not in html and "urlpatterns" not in html


@pytest.mark.django_db
def test_the_404_log_line_carries_the_request_id(json_log):
    """Django logs "Not Found" after the middleware has returned; the line still names the request."""
    response = Client().get("/no-such-page/")
    (line,) = [line for line in lines(json_log) if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/" and line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_a_wrong_host_is_a_chinese_400_with_the_request_id_and_a_log_line(json_log):
    response = Client().get("/login/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无效" in html and page_request_id(html) == response["X-Request-ID"]
    assert "evil.example.com" not in html and "ALLOWED_HOSTS" not in html
    (line,) = [line for line in lines(json_log) if line["logger"] == "django.security.DisallowedHost"]
    assert line["request_id"] == response["X-Request-ID"] and "evil.example.com" in line["message"]


@pytest.mark.django_db
def test_the_404_is_english_for_a_reader_who_chose_english():
    client = Client()
    client.cookies["gongzhi_language"] = "en"
    html = client.get("/no-such-page/").content.decode()
    assert "Page not found" in html and "页面不存在" not in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_500_shows_the_request_id_and_no_traceback_and_the_log_line_carries_the_same_id(staff, json_log):
    user = staff[Role.SECRETARY]
    client = login(user)
    client.raise_request_exception = False
    response = client.get("/boom/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
    assert response.status_code == 500
    html = response.content.decode()
    assert "抱歉，服务器出错了" in html and 'lang="zh-Hans"' in html
    assert page_request_id(html) == response["X-Request-ID"] == "0123456789abcdef0123456789abcdef"
    assert "Traceback" not in html and "RuntimeError" not in html and "the view broke" not in html
    assert PHONE not in html

    logged = lines(json_log)
    error = next(line for line in logged if line["level"] == "ERROR")
    assert error["logger"] == "django.request" and "Internal Server Error: /boom/" in error["message"]
    assert error["request_id"] == "0123456789abcdef0123456789abcdef" and error["user_id"] == user.pk
    assert "RuntimeError" in error["exc"]  # the traceback is in the log, where staff look it up by the id
    access = next(line for line in logged if line["logger"] == "gongzhi.access")
    assert access["request_id"] == error["request_id"] and access["status"] == 500
    # Never a phone: not the user's, not one in a message or a traceback.
    assert user.phone not in json_log.getvalue() and PHONE not in json_log.getvalue()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_the_500_is_english_for_a_reader_who_chose_english():
    client = Client(raise_request_exception=False)
    client.cookies["gongzhi_language"] = "en"
    html = client.get("/boom/").content.decode()
    assert "Sorry, something went wrong" in html and "抱歉" not in html


@pytest.mark.django_db
def test_the_500_page_renders_without_the_database():
    request = RequestFactory().get("/")
    request.request_id = "feedc0de"
    with queries(0):
        response = server_error(request)
    assert response.status_code == 500 and page_request_id(response.content.decode()) == "feedc0de"


@pytest.mark.django_db
def test_one_access_line_per_request_with_its_timing_and_without_the_query(staff, json_log):
    user = staff[Role.SECRETARY]
    response = login(user).get(f"/me/?q={PHONE}")
    assert response.status_code == 200
    (access,) = [line for line in lines(json_log) if line["logger"] == "gongzhi.access"]
    assert access["request_id"] == response["X-Request-ID"] and access["user_id"] == user.pk
    assert access["method"] == "GET" and access["path"] == "/me/" and access["status"] == 200
    assert isinstance(access["duration_ms"], float) and access["duration_ms"] >= 0
    assert PHONE not in json_log.getvalue()


@pytest.mark.django_db
def test_an_api_call_with_a_bearer_token_is_logged_with_its_user(site, staff, json_log):
    user = staff[Role.SECRETARY]
    _token, plain = api_token_create(actor=None, user=user, name="log")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {plain}").get(f"/api/communities/{site.community.pk}/people")
    assert response.status_code == 200
    (access,) = [line for line in lines(json_log) if line["logger"] == "gongzhi.access"]
    assert access["user_id"] == user.pk and access["path"] == f"/api/communities/{site.community.pk}/people"


@pytest.mark.django_db
def test_logging_loads_no_user_a_request_did_not_load(json_log):
    with queries(0):
        Client().get("/static/none.css")  # a request that never looks at the session
    (access,) = [line for line in lines(json_log) if line["logger"] == "gongzhi.access"]
    assert access["user_id"] is None and access["status"] == 404


def test_the_json_formatter_writes_one_object_per_line_with_masked_phones():
    record = logging.LogRecord("gongzhi.voices", logging.WARNING, __file__, 1, "来电 %s 反映", (PHONE,), None)
    record.request_id, record.user_id = "abc", 42
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "gongzhi.voices"
    assert parsed["request_id"] == "abc" and parsed["user_id"] == 42
    assert parsed["message"] == "来电 138****5678 反映" and re.match(r"\d{4}-\d\d-\d\dT", str(parsed["time"]))
    outside = logging.LogRecord("gongzhi.tasks", logging.ERROR, __file__, 1, "swept", (), None)
    RequestContextFilter().filter(outside)  # a task or a command: no request
    assert json.loads(JsonFormatter().format(outside))["request_id"] is None
