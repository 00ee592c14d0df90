"""API tokens: a lifetime, revocation (page, service, commands), and no use once the account is locked."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import ApiToken, AuditEvent, User
from gongzhi.core.services import api_token_create, api_token_revoke, user_lock
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db
API = "/api/communities"


def bearer(plain: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


def assert_refused(response, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.content
    body = response.json()
    assert set(body) == {"code", "message", "extra"} and body["code"] == code, body


def test_a_token_expires_after_its_lifetime(settings, time_machine):
    settings.API_TOKEN_LIFETIME_DAYS = 90
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    token, plain = api_token_create(actor=None, user=user, name="台账系统")
    assert token.expires_at == timezone.now() + datetime.timedelta(days=90)
    assert bearer(plain).get(API).status_code == 200
    time_machine.move_to(token.expires_at - datetime.timedelta(seconds=1))
    assert bearer(plain).get(API).status_code == 200
    time_machine.move_to(token.expires_at)
    assert_refused(bearer(plain).get(API), "token_expired")


def test_unknown_token_and_no_credentials_get_the_one_error_shape():
    assert_refused(bearer("wrong").get(API), "token_invalid")
    assert_refused(Client().get(API), "not_authenticated")


def test_a_revoked_token_is_refused_and_revoking_twice_says_so():
    user = factories.make_user()
    token, plain = api_token_create(actor=None, user=user, name="x")
    api_token_revoke(actor=user, token=token)
    assert_refused(bearer(plain).get(API), "token_revoked")
    with pytest.raises(ValidationFailed) as err:
        api_token_revoke(actor=user, token=token)
    assert err.value.code == "already_revoked"
    assert AuditEvent.objects.filter(verb="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_only_the_owner_or_the_system_revokes():
    owner, other = factories.make_user(), factories.make_user()
    token, _plain = api_token_create(actor=None, user=owner, name="x")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=other, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_tokens_of_an_inactive_account_are_refused():
    user = factories.make_user()
    _token, plain = api_token_create(actor=None, user=user, name="x")
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_refused(bearer(plain).get(API), "account_inactive")


def test_locking_an_account_ends_its_session_and_revokes_its_tokens():
    user = factories.make_user()
    _t1, plain = api_token_create(actor=None, user=user, name="a")
    t2, _p2 = api_token_create(actor=None, user=user, name="b")
    api_token_revoke(actor=None, token=t2)
    page = login(user)
    assert page.get("/me/").status_code == 200
    user_lock(actor=None, user=user, reason="手机遗失")
    assert not User.objects.get(pk=user.pk).is_active
    assert_refused(bearer(plain).get(API), "token_revoked")
    assert page.get("/me/").status_code == 302  # the session no longer authenticates
    event = AuditEvent.objects.get(verb="user.lock", object_id=str(user.pk))
    assert event.after["tokens_revoked"] == [_t1.pk] and event.after["reason"] == "手机遗失"
    with pytest.raises(PermissionDenied):
        user_lock(actor=user, user=user, reason="x")


def test_lock_user_command():
    user = factories.make_user()
    _token, plain = api_token_create(actor=None, user=user, name="a")
    out = io.StringIO()
    call_command("lock_user", phone=user.phone, reason="离职", stdout=out)
    assert "已锁定" in out.getvalue()
    assert not User.objects.get(pk=user.pk).is_active
    assert_refused(bearer(plain).get(API), "token_revoked")
    with pytest.raises(CommandError):
        call_command("lock_user", phone="13999999999", reason="x")
    with pytest.raises(CommandError):
        call_command("lock_user", phone=user.phone, reason="  ")


def test_revoke_api_token_command_by_id_and_by_phone():
    user, other = factories.make_user(), factories.make_user()
    one, plain_one = api_token_create(actor=None, user=user, name="a")
    _two, plain_two = api_token_create(actor=None, user=user, name="b")
    _three, plain_three = api_token_create(actor=None, user=other, name="c")
    call_command("revoke_api_token", id=one.pk, stdout=io.StringIO())
    assert_refused(bearer(plain_one).get(API), "token_revoked")
    assert bearer(plain_two).get(API).status_code == 200
    out = io.StringIO()
    call_command("revoke_api_token", phone=user.phone, stdout=out)
    assert "已撤销 1 个令牌" in out.getvalue()
    assert_refused(bearer(plain_two).get(API), "token_revoked")
    assert bearer(plain_three).get(API).status_code == 200  # another account's tokens are untouched
    assert AuditEvent.objects.filter(verb="api_token.revoke_all", object_id=str(user.pk)).count() == 1
    with pytest.raises(CommandError):
        call_command("revoke_api_token", id=one.pk)  # already revoked
    with pytest.raises(CommandError):
        call_command("revoke_api_token", id=999999)


def test_my_tokens_page_lists_own_tokens_without_the_secret_and_revokes_by_post():
    user, other = factories.make_user(), factories.make_user()
    token, plain = api_token_create(actor=None, user=user, name="天府市民云")
    theirs, _p = api_token_create(actor=None, user=other, name="别人的令牌")
    page = login(user)
    html = page.get("/me/tokens/").content.decode()
    assert "天府市民云" in html and f"{token.prefix}…" in html
    assert plain not in html and token.token_hash not in html and "别人的令牌" not in html
    assert page.get(f"/me/tokens/{token.pk}/revoke/").status_code == 405
    assert page.post(f"/me/tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    response = page.post(f"/me/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/me/tokens/"
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert "已撤销" in page.get("/me/tokens/").content.decode()


def test_revoking_from_the_page_needs_the_csrf_token():
    user = factories.make_user()
    token, _plain = api_token_create(actor=None, user=user, name="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(f"/me/tokens/{token.pk}/revoke/").status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_my_tokens_page_needs_a_login():
    response = Client().get("/me/tokens/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
