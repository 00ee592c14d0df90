"""SECRET_KEY: no published default. Outside the demo and the tests the app refuses to start without a key of its
own, and says what to set; the demo keeps a random key in var/secret_key (mode 600). The same for ALLOWED_HOSTS.
DEBUG is off unless asked for. deploy/gongzhi.env.example passes `check --deploy`."""

from __future__ import annotations

import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gongzhi.settings import PUBLISHED_KEYS, allowed_hosts_from, https_origins, secret_key_from

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / "deploy" / "gongzhi.env.example"
OLD_DEFAULT = "dev-only-insecure-key-change-me-" + "0" * 20
GOOD = "k" * 20 + "-a-key-of-this-deployment-only"


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "is not set"),
        ({"GONGZHI_SECRET_KEY": ""}, "is not set"),
        ({"GONGZHI_SECRET_KEY": "   "}, "is not set"),
        ({"GONGZHI_SECRET_KEY": OLD_DEFAULT}, "published in the source"),
        ({"GONGZHI_SECRET_KEY": "short-key"}, "shorter than 32"),
        ({"GONGZHI_DEMO": "0"}, "is not set"),
    ],
)
def test_outside_the_demo_and_the_tests_a_missing_or_published_key_refuses_to_start(tmp_path, env, reason):
    with pytest.raises(ImproperlyConfigured) as caught:
        secret_key_from(env, var_dir=tmp_path, throwaway=False)
    message = str(caught.value)
    assert reason in message and "Set GONGZHI_SECRET_KEY" in message and "GONGZHI_DEMO=1" in message
    assert not (tmp_path / "secret_key").exists()


def test_the_old_default_is_a_published_key():
    assert OLD_DEFAULT in PUBLISHED_KEYS


def test_a_key_of_the_deployment_is_used_as_given(tmp_path):
    assert secret_key_from({"GONGZHI_SECRET_KEY": f" {GOOD}\n"}, var_dir=tmp_path, throwaway=False) == GOOD
    # A key that is set wins over the demo's file and is never written there.
    assert secret_key_from({"GONGZHI_SECRET_KEY": GOOD, "GONGZHI_DEMO": "1"}, var_dir=tmp_path, throwaway=False) == GOOD
    assert not (tmp_path / "secret_key").exists()


def test_the_demo_makes_a_random_key_once_and_keeps_it_private(tmp_path):
    var = tmp_path / "fresh-clone" / "var"  # `make demo` from a fresh clone: not even var/ exists yet
    first = secret_key_from({"GONGZHI_DEMO": "1"}, var_dir=var, throwaway=False)
    assert len(first) >= 32 and first not in PUBLISHED_KEYS
    path = var / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # The web server, the worker and manage.py started later all read the same key.
    assert secret_key_from({"GONGZHI_DEMO": "1"}, var_dir=var, throwaway=False) == first
    assert [p.name for p in var.iterdir()] == ["secret_key"]  # nothing left aside
    other = secret_key_from({"GONGZHI_DEMO": "1"}, var_dir=tmp_path / "another", throwaway=False)
    assert other != first


def test_a_damaged_demo_key_file_is_refused(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ImproperlyConfigured) as caught:
        secret_key_from({"GONGZHI_DEMO": "1"}, var_dir=tmp_path, throwaway=False)
    assert "does not hold a key" in str(caught.value)


def test_a_test_run_gets_a_random_key_of_its_own_and_writes_nothing(tmp_path):
    one = secret_key_from({}, var_dir=tmp_path, throwaway=True)
    two = secret_key_from({}, var_dir=tmp_path, throwaway=True)
    assert one != two and len(one) >= 32
    assert list(tmp_path.iterdir()) == []
    assert settings.SECRET_KEY not in PUBLISHED_KEYS and len(settings.SECRET_KEY) >= 32


TEST_ONLY = frozenset({"PYTEST_VERSION", "DJANGO_ALLOW_ASYNC_UNSAFE"})


def _start(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check` as an operator runs it: not under pytest, with exactly these variables."""
    # As an operator starts it: nothing of this run's own (the browser tests allow async-unsafe calls).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k not in TEST_ONLY}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_py_refuses_to_start_without_a_key_and_starts_with_one(tmp_path):
    var = str(tmp_path / "var")
    refused = _start({"GONGZHI_VAR_DIR": var})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "Set GONGZHI_SECRET_KEY" in refused.stderr
    published = _start({"GONGZHI_VAR_DIR": var, "GONGZHI_SECRET_KEY": OLD_DEFAULT})
    assert published.returncode != 0 and "published in the source" in published.stderr
    hosts = {"GONGZHI_ALLOWED_HOSTS": "gongzhi.example.org"}
    assert _start({"GONGZHI_VAR_DIR": var, "GONGZHI_SECRET_KEY": GOOD, **hosts}).returncode == 0
    demo = _start({"GONGZHI_VAR_DIR": var, "GONGZHI_DEMO": "1"})
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "var" / "secret_key").exists()


# --- ALLOWED_HOSTS ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", " ", " , ,"])
def test_outside_the_demo_and_the_tests_no_host_list_refuses_to_start(value):
    env = {} if value is None else {"GONGZHI_ALLOWED_HOSTS": value}
    with pytest.raises(ImproperlyConfigured) as caught:
        allowed_hosts_from(env, throwaway=False)
    message = str(caught.value)
    assert "Set GONGZHI_ALLOWED_HOSTS" in message and "未设置站点域名" in message and "GONGZHI_DEMO=1" in message


def test_the_host_list_is_used_as_given_and_the_demo_and_tests_keep_the_local_names():
    given = {"GONGZHI_ALLOWED_HOSTS": " gongzhi.example.org, .street.example.org ,"}
    assert allowed_hosts_from(given, throwaway=False) == ["gongzhi.example.org", ".street.example.org"]
    assert allowed_hosts_from({**given, "GONGZHI_DEMO": "1"}, throwaway=True) == [
        "gongzhi.example.org",
        ".street.example.org",
    ]
    local = ["127.0.0.1", "localhost", "testserver"]
    assert allowed_hosts_from({"GONGZHI_DEMO": "1"}, throwaway=False) == local
    assert allowed_hosts_from({}, throwaway=True) == local


def test_each_allowed_host_is_a_trusted_https_origin_and_a_wildcard_is_not():
    assert https_origins(["gongzhi.example.org", ".street.example.org", "*"]) == [
        "https://gongzhi.example.org",
        "https://street.example.org",
        "https://*.street.example.org",
    ]


def _settings_of(env: dict[str, str], *names: str) -> dict[str, object]:
    """Reads settings in a fresh interpreter with exactly `env`, not under pytest."""
    # As an operator starts it: nothing of this run's own (the browser tests allow async-unsafe calls).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k not in TEST_ONLY}
    clean.pop("DATABASE_URL", None)
    code = (
        "import json, sys; sys.path.insert(0, 'src'); from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {list(names)!r}}}, default=str))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "gongzhi.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_debug_is_off_unless_the_demo_or_the_operator_turns_it_on(tmp_path):
    deployment = {"GONGZHI_SECRET_KEY": GOOD, "GONGZHI_ALLOWED_HOSTS": "gongzhi.example.org"}
    assert _settings_of(deployment, "DEBUG") == {"DEBUG": False}
    assert _settings_of({**deployment, "GONGZHI_DEBUG": "1"}, "DEBUG") == {"DEBUG": True}
    demo = {"GONGZHI_DEMO": "1", "GONGZHI_VAR_DIR": str(tmp_path)}
    assert _settings_of(demo, "DEBUG", "ALLOWED_HOSTS") == {
        "DEBUG": True,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
    }
    assert _settings_of({**demo, "GONGZHI_DEBUG": "0"}, "DEBUG") == {"DEBUG": False}


def test_https_turns_on_secure_cookies_hsts_and_the_redirect_but_not_for_the_health_check():
    deployment = {"GONGZHI_SECRET_KEY": GOOD, "GONGZHI_ALLOWED_HOSTS": "gongzhi.example.org", "GONGZHI_HTTPS": "1"}
    names = (
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "CSRF_TRUSTED_ORIGINS",
    )
    assert _settings_of(deployment, *names) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_REDIRECT_EXEMPT": ["^healthz$"],
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "CSRF_TRUSTED_ORIGINS": ["https://gongzhi.example.org"],
    }
    opted_in = {**deployment, "GONGZHI_HSTS_SUBDOMAINS": "1", "GONGZHI_HSTS_PRELOAD": "1"}
    assert _settings_of(opted_in, "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD") == {
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
    }
    # Without a TLS proxy in front nothing claims HTTPS: a secure-only cookie would never come back over HTTP.
    plain = _settings_of({**deployment, "GONGZHI_HTTPS": "0"}, "SESSION_COOKIE_SECURE", "SECURE_SSL_REDIRECT")
    assert plain == {"SESSION_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False}


def test_cookies_and_headers_that_hold_everywhere():
    assert settings.SESSION_COOKIE_HTTPONLY is True and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SECURE_REFERRER_POLICY == "same-origin"
    assert settings.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"


# --- the documented production environment ---------------------------------------------------------------------


def env_example() -> dict[str, str]:
    """deploy/gongzhi.env.example as systemd's EnvironmentFile reads it: KEY=value lines, # comments."""
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = value
    return values


def test_the_example_environment_names_every_setting_and_no_usable_key():
    env = env_example()
    assert env["GONGZHI_SECRET_KEY"] == ""  # a placeholder key would be copied into production
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["GONGZHI_HTTPS"] == "1" and env["GONGZHI_ALLOWED_HOSTS"]
    assert {"GONGZHI_CACHE_URL", "GONGZHI_MEDIA_ACCEL", "GONGZHI_LOG_FORMAT", "GONGZHI_VAR_DIR"} <= set(env)
    assert "GONGZHI_DEMO" not in env and "GONGZHI_DEBUG" not in env
    # As it stands (before the operator fills in a key) it refuses to start, naming the key.
    refused = _start(env)
    assert refused.returncode != 0 and "Set GONGZHI_SECRET_KEY" in refused.stderr


def test_check_deploy_passes_with_the_example_environment_and_fails_without_https(tmp_path):
    env = {**env_example(), "GONGZHI_SECRET_KEY": secrets.token_urlsafe(50), "GONGZHI_VAR_DIR": str(tmp_path)}
    passed = _start(env, "--deploy", "--fail-level", "WARNING")
    assert passed.returncode == 0, passed.stderr
    assert "no issues" in passed.stdout
    plain = _start({**env, "GONGZHI_HTTPS": "0"}, "--deploy", "--fail-level", "WARNING")
    assert plain.returncode != 0
    for problem in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert problem in plain.stderr
