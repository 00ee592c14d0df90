"""SECRET_KEY: no published default. Outside the demo and the tests the app refuses to start without a key of its
own, and says what to set; the demo keeps a random key in var/secret_key (mode 600)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from gongzhi.settings import PUBLISHED_KEYS, secret_key_from

ROOT = Path(__file__).resolve().parents[2]
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


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`manage.py check` as an operator runs it: not under pytest, with exactly these variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GONGZHI_") and k != "PYTEST_VERSION"}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
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
    assert _start({"GONGZHI_VAR_DIR": var, "GONGZHI_SECRET_KEY": GOOD}).returncode == 0
    demo = _start({"GONGZHI_VAR_DIR": var, "GONGZHI_DEMO": "1"})
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "var" / "secret_key").exists()
