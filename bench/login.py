"""A wrong password for a registered phone against one for an unknown phone, with the production hasher (argon2):
the two should cost the same, so the time of an answer does not tell a stranger which numbers have an account.
(Before issue 13 item 9 the unknown phone skipped the hasher: about 0.4 s against 0.07 s.) Also a throttled try,
refused before any hashing.

Runs in a fresh SQLite file under var/bench/ (`BENCH_LOGIN_ROUNDS`, default 20). Prints a JSON line last."""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = ROOT / "var" / "bench" / "login.sqlite3"
ROUNDS = int(os.environ.get("BENCH_LOGIN_ROUNDS", "20"))
WRONG = secrets.token_urlsafe(12)  # a wrong password for every try
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from gongzhi.core.auth import user_login_attempt  # noqa: E402
from gongzhi.core.errors import ApplicationError  # noqa: E402
from gongzhi.core.models import LoginThrottle, User  # noqa: E402
from gongzhi.core.services import user_create  # noqa: E402


def attempt(phone: str, client: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        user_login_attempt(phone=phone, password=WRONG, client=client)
        code = "ok"
    except ApplicationError as exc:
        code = exc.code
    return time.perf_counter() - started, code


def main() -> None:
    DB.parent.mkdir(parents=True, exist_ok=True)
    DB.unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    known = user_create(actor=None, phone="13800009999", password=secrets.token_urlsafe(12)).phone
    unknown = "13900009999"
    assert not User.objects.filter(phone=unknown).exists()
    attempt(known, "192.0.2.250")  # warm-up: imports, the dummy hash, the first queries
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for i in range(ROUNDS):
        LoginThrottle.objects.all().delete()  # each pair measured below the back-off
        for kind, phone in (
            (("known", known), ("unknown", unknown)) if i % 2 else (("unknown", unknown), ("known", known))
        ):
            seconds, code = attempt(phone, f"192.0.2.{i % 200 + 1}")
            assert code == "invalid_credentials", code
            timings[kind].append(seconds)
    for _ in range(5):
        attempt(known, "198.51.100.1")
    throttled = []
    for _ in range(ROUNDS):
        seconds, code = attempt(known, "198.51.100.2")
        assert code == "throttled", code
        throttled.append(seconds)
    result = {kind: round(statistics.median(values) * 1000, 1) for kind, values in timings.items()}
    result["throttled"] = round(statistics.median(throttled) * 1000, 1)
    for kind, ms in result.items():
        print(f"{kind:<10} median {ms:8.1f} ms over {ROUNDS} tries")
    print(json.dumps({"login_ms_median": result, "rounds": ROUNDS}))


if __name__ == "__main__":
    main()
