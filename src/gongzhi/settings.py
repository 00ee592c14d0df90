"""Django settings. Environment variables: DATABASE_URL, GONGZHI_SECRET_KEY, GONGZHI_DEBUG, GONGZHI_DEMO."""

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", BASE_DIR / "var"))

DEBUG = os.environ.get("GONGZHI_DEBUG", "1") == "1"
# Demo mode lists the demo logins on the login page; never on in production.
DEMO_MODE = os.environ.get("GONGZHI_DEMO", "0") == "1"
# Benchmarks add a bare view to compare against, served by the same server in the same run.
BENCH_MODE = os.environ.get("GONGZHI_BENCH", "0") == "1"


# Keys that were published with the code: whoever has the source can sign with them.
PUBLISHED_KEYS = frozenset({"dev-only-insecure-key-change-me-" + "0" * 20})
SECRET_KEY_MIN_LENGTH = 32
MISSING_KEY = (
    "GONGZHI_SECRET_KEY is not set (未设置密钥). Set GONGZHI_SECRET_KEY to a random string of at least "
    f"{SECRET_KEY_MIN_LENGTH} characters, kept out of the source, for example the output of "
    "`python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`; "
    "or set GONGZHI_DEMO=1 to run the demo with a key generated in var/secret_key."
)


def secret_key_from(env: Mapping[str, str], *, var_dir: Path, throwaway: bool) -> str:
    """The deployment's key from GONGZHI_SECRET_KEY; a published, short or missing one refuses to start.

    There is no default: a key in the source lets anyone sign sessions, password-reset links and tokens. The demo
    (GONGZHI_DEMO=1) keeps a random key in var/secret_key (mode 600), made on its first start and shared by the web
    server, the task worker and manage.py. `throwaway` (a test run, or mypy's Django plugin reading the models) gets
    a random key that lives as long as the process.
    """
    key = env.get("GONGZHI_SECRET_KEY", "").strip()
    if key:
        if key in PUBLISHED_KEYS:
            raise ImproperlyConfigured("GONGZHI_SECRET_KEY is the key published in the source. " + MISSING_KEY)
        if len(key) < SECRET_KEY_MIN_LENGTH:
            raise ImproperlyConfigured(f"GONGZHI_SECRET_KEY is shorter than {SECRET_KEY_MIN_LENGTH}. " + MISSING_KEY)
        return key
    if env.get("GONGZHI_DEMO", "0") == "1":
        return demo_secret_key(var_dir / "secret_key")
    if throwaway:
        return secrets.token_urlsafe(50)
    raise ImproperlyConfigured(MISSING_KEY)


def demo_secret_key(path: Path) -> str:
    """The demo's key in `path`, written once with mode 600. The file appears whole or not at all (written aside,
    then linked into place), so a worker starting beside the server never reads half a key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            aside.unlink()
    key = path.read_text().strip()
    if len(key) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(f"{path} does not hold a key: delete it and start again.")
    return key


SECRET_KEY = secret_key_from(
    os.environ,
    var_dir=VAR_DIR,
    # pytest sets PYTEST_VERSION for its run; mypy's Django plugin imports these settings to read the models.
    throwaway="PYTEST_VERSION" in os.environ or "mypy" in sys.modules,
)
ALLOWED_HOSTS = os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")


def database_from_url(url: str) -> dict[str, object]:
    """Turns a postgres:// or sqlite:/// URL into a Django DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "gongzhi",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            # A connection the database dropped (PostgreSQL restarted) is noticed before a request uses it, and
            # replaced: the app reconnects without a restart.
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": "test_" + (unquote(parts.path.lstrip("/")) or "gongzhi")},
        }
    if parts.scheme == "sqlite":
        return sqlite_database(Path(unquote(parts.path)))
    raise ValueError(f"unsupported DATABASE_URL scheme: {parts.scheme}")


def sqlite_database(path: Path) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        # Kept across requests: a new connection runs the PRAGMAs below, and `journal_mode=WAL` alone costs about
        # 10 ms. Closing after each request made every signed-in request (the session's user is a query) 15 times
        # slower than an anonymous one under a real app server; the test client never closes, so only the bench
        # through gunicorn showed it.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            # WAL lets the web server read while the task worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            # IMMEDIATE avoids "database is locked" when a read transaction upgrades to a write.
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {
    "default": database_from_url(DATABASE_URL) if DATABASE_URL else sqlite_database(VAR_DIR / "gongzhi.sqlite3")
}
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    # For its bundled Swagger UI: without the app, /api/docs loads Swagger from a CDN at run time.
    "ninja",
    "gongzhi.core",
    "gongzhi.places",
    "gongzhi.people",
    "gongzhi.deliberation",
    "gongzhi.notifications",
    "gongzhi.voices",
    "gongzhi.timebank",
    # Not a product app: the demo street and `manage.py load_demo` (no models; nothing in the product imports it).
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gongzhi.core.middleware.PreferencesMiddleware",
    "gongzhi.core.middleware.ApiErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the session and the user are known: an account that must change its password reaches nothing else.
    "gongzhi.core.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongzhi.core.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gongzhi.core.context_processors.preferences",
                "gongzhi.notifications.context_processors.unread",
            ],
            # Free text leaves masked from every template without a {% load %} (core/usertext.py).
            "builtins": ["gongzhi.core.templatetags.usertext"],
        },
    }
]

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["gongzhi.core.auth.PhoneBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login back-off (rules.login_throttle), no lock: from the `from_failure`-th consecutive wrong password for one phone
# (registered or not), or the `from_failure`-th from one client address (REMOTE_ADDR; IPv6 by /64), each next try
# waits `first_wait_seconds`, doubling up to `max_wait_seconds`; a count left alone `forget_after_seconds` restarts.
# A success clears the phone's count, never the address's. Behind a reverse proxy, REMOTE_ADDR must be the client's.
LOGIN_THROTTLE_PHONE = {"from_failure": 5, "first_wait_seconds": 30, "max_wait_seconds": 15 * 60}
LOGIN_THROTTLE_CLIENT = {"from_failure": 20, "first_wait_seconds": 60, "max_wait_seconds": 60 * 60}
LOGIN_THROTTLE_FORGET_AFTER_SECONDS = 24 * 3600
# Bearer tokens (core.ApiToken) expire this many days after they are issued; a new one is issued to continue.
API_TOKEN_LIFETIME_DAYS = 90

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "gongzhi_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

# Uploads: 10 MB is the product limit; Django's own limits sit just above it so our form gives the message.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024


def cache_from_env(env: Mapping[str, str]) -> dict[str, dict[str, object]]:
    """GONGZHI_CACHE_URL=redis://host:port/db: one cache shared by the web workers and the task worker (figures,
    calendar and data versions, the similarity index's generation), through `core.cache.TolerantRedisCache`: a
    Redis outage is a miss, logged, never a 500. Unset: a per-process memory cache (the demo, a single process)."""
    url = env.get("GONGZHI_CACHE_URL", "").strip()
    if not url:
        # Figures, cached tallies and the similarity index's tokens live here, keyed by the community's data
        # version; the default 300 entries would evict them on a street with many communities.
        return {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20000}}
        }
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(
            "GONGZHI_CACHE_URL must look like redis://127.0.0.1:6379/0 (共享缓存地址格式有误), or be left unset."
        )
    return {
        "default": {
            "BACKEND": "gongzhi.core.cache.TolerantRedisCache",
            "LOCATION": url,
            # A dead or unreachable Redis costs a request at most about a second, never a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


CACHES = cache_from_env(os.environ)
# Sessions are read on every page; the cache spares a query, the database keeps them across restarts.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

TASKS = {"default": {"BACKEND": os.environ.get("GONGZHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "WARNING")},
}
