import pytest
from django.conf import settings
from django.contrib.auth.hashers import get_hasher
from django.test import Client
from django.utils import timezone

from gongzhi.core.auth import user_login_attempt
from gongzhi.core.errors import AccountLocked, ApplicationError
from gongzhi.core.models import User
from tests import factories


def test_production_hasher_is_argon2():
    from gongzhi import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_argon2_hash_round_trip(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    hasher = get_hasher("argon2")
    encoded = hasher.encode("correct horse", hasher.salt())
    assert encoded.startswith("argon2$") and hasher.verify("correct horse", encoded)


@pytest.mark.django_db
def test_login_with_phone_and_password():
    user = factories.make_user()
    client = Client()
    response = client.post("/login/", {"phone": user.phone, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_wrong_password_gives_chinese_message_and_no_session():
    user = factories.make_user()
    client = Client()
    response = client.post("/login/", {"phone": user.phone, "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号或密码错误" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_bad_phone_format_is_refused_with_message():
    with pytest.raises(ApplicationError) as err:
        user_login_attempt(phone="12345", password="x")
    assert "手机号" in str(err.value.message)


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_even_for_the_right_password(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    user = factories.make_user()
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        with pytest.raises(ApplicationError):
            user_login_attempt(phone=user.phone, password="nope")
    with pytest.raises(AccountLocked):
        user_login_attempt(phone=user.phone, password="nope")
    with pytest.raises(AccountLocked) as err:
        user_login_attempt(phone=user.phone, password=factories.PASSWORD)
    assert "锁定" in str(err.value.message)
    assert User.objects.get(pk=user.pk).locked_until is not None
    time_machine.shift(60 * (settings.LOGIN_LOCK_MINUTES + 1))
    assert user_login_attempt(phone=user.phone, password=factories.PASSWORD).pk == user.pk


@pytest.mark.django_db
def test_admin_login_goes_through_the_app_login():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_demo_logins_listed_only_in_demo_mode(settings):
    from gongzhi.core.roles import Role
    from gongzhi.people.demo import DEMO_PASSWORD

    site = factories.make_community(residents_per_household=0)
    user = factories.make_user(Role.SECRETARY, place=site.community)
    user.phone = "13800000001"
    user.save(update_fields=["phone"])
    settings.DEMO_MODE = False
    assert DEMO_PASSWORD not in Client().get("/login/").content.decode()
    settings.DEMO_MODE = True
    html = Client().get("/login/").content.decode()
    assert 'id="demo-logins"' in html and "13800000001" in html
