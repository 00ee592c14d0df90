"""Django settings. Environment variables (deploy/gongzhi.env.example is the documented production set):
DATABASE_URL, GONGZHI_SECRET_KEY, GONGZHI_ALLOWED_HOSTS, GONGZHI_HTTPS, GONGZHI_DEBUG, GONGZHI_DEMO, GONGZHI_VAR_DIR,
GONGZHI_LOG_FORMAT, GONGZHI_LOG_LEVEL."""

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

# Demo mode lists the demo logins on the login page; never on in production.
DEMO_MODE = os.environ.get("GONGZHI_DEMO", "0") == "1"
# Off unless asked for: with DEBUG on, a 500 answers with a traceback and the settings. The demo has it on (runserver
# then serves the static files too); GONGZHI_DEBUG=0 turns it off there, GONGZHI_DEBUG=1 on anywhere.
DEBUG = os.environ.get("GONGZHI_DEBUG", "1" if DEMO_MODE else "0") == "1"
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


LOCAL_HOSTS = ("127.0.0.1", "localhost", "testserver")
MISSING_HOSTS = (
    "GONGZHI_ALLOWED_HOSTS is not set (未设置站点域名：请将 GONGZHI_ALLOWED_HOSTS 设为本站的域名，多个用逗号分隔). "
    "Set GONGZHI_ALLOWED_HOSTS to the host names this site answers to, comma separated, for example "
    "`GONGZHI_ALLOWED_HOSTS=gongzhi.example.gov.cn` (a leading dot, `.example.gov.cn`, also allows its subdomains); "
    "a request for any other Host is refused. Or set GONGZHI_DEMO=1 to run the demo on 127.0.0.1 and localhost."
)


def allowed_hosts_from(env: Mapping[str, str], *, throwaway: bool) -> list[str]:
    """The host names from GONGZHI_ALLOWED_HOSTS; unset or empty refuses to start outside the demo and the tests.

    Without the list Django would answer any Host header, and links it builds (password resets, QR codes, the
    absolute URLs in notifications) could point at a host an attacker named. The demo and the tests keep the local
    names, `testserver` being the test client's."""
    hosts = [host.strip() for host in env.get("GONGZHI_ALLOWED_HOSTS", "").split(",") if host.strip()]
    if hosts:
        return hosts
    if env.get("GONGZHI_DEMO", "0") == "1" or throwaway:
        return list(LOCAL_HOSTS)
    raise ImproperlyConfigured(MISSING_HOSTS)


def https_origins(hosts: list[str]) -> list[str]:
    """CSRF_TRUSTED_ORIGINS for a site served over HTTPS under these ALLOWED_HOSTS: `.example.org` (the domain and
    its subdomains) becomes both `https://example.org` and `https://*.example.org`; `*` (any host) adds nothing,
    since trusting every origin would undo the CSRF check."""
    origins: list[str] = []
    for host in hosts:
        if host == "*":
            continue
        if host.startswith("."):
            origins += [f"https://{host[1:]}", f"https://*{host}"]
        else:
            origins.append(f"https://{host}")
    return origins


# pytest sets PYTEST_VERSION for its run; mypy's Django plugin imports these settings to read the models.
throwaway = "PYTEST_VERSION" in os.environ or "mypy" in sys.modules
SECRET_KEY = secret_key_from(os.environ, var_dir=VAR_DIR, throwaway=throwaway)
ALLOWED_HOSTS = allowed_hosts_from(os.environ, throwaway=throwaway)


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
    # First, so that every answer (a redirect to HTTPS, a refused Host, a 500) has its id and its access line.
    "gongzhi.core.security.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gongzhi.core.security.ContentSecurityPolicyMiddleware",
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
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin: our own pages get the full referrer (the back links and `next` need nothing more), another site gets
# none. A page's URL names the community, the topic, the voice or the resident being looked at; a link out to a
# map or a law text should not tell that site which resident a social worker had open.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy on every response, and the request id: core/security.py.

# Served behind a TLS proxy (nginx in deploy/): the proxy says which scheme the client used in X-Forwarded-Proto,
# and must set it itself (never pass on the client's), or a plain-HTTP request could claim to be HTTPS.
HTTPS = os.environ.get("GONGZHI_HTTPS", "0") == "1"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # The health check is asked on loopback over plain HTTP by the service manager and the smoke test.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    # Both reach beyond this site: includeSubDomains binds every sibling under the domain to HTTPS, and preload
    # (once submitted to the browsers' list) cannot be taken back quickly. A street office on a subdomain of its
    # district's domain is rarely the one to decide that, so each is the operator's explicit choice.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("GONGZHI_HSTS_SUBDOMAINS", "0") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("GONGZHI_HSTS_PRELOAD", "0") == "1"
    CSRF_TRUSTED_ORIGINS = https_origins(ALLOWED_HOSTS)
    # check --deploy warns whenever the two above are off; off is the documented default, not an oversight.
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]

TASKS = {"default": {"BACKEND": os.environ.get("GONGZHI_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Every line carries the request id and the user's id (core/logs.py). GONGZHI_LOG_FORMAT=json: one JSON object per
# line, and the access logger at INFO, one line per request with its status and time: the line an operator looks up
# by the request id a resident reads off an error page. In plain text (the demo, runserver, the tests) access lines
# stay off: runserver prints its own, and the tests would drown in them. The root stays at WARNING either way.
LOG_FORMAT = os.environ.get("GONGZHI_LOG_FORMAT", "plain").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "gongzhi.core.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "gongzhi.core.logs.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "WARNING")},
    "loggers": {"gongzhi.access": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"}},
}


# --- Production stack (issue 15, helper "stack"): static names and private media behind nginx ---------------------
# Hashed static names (app.3f2a9c.css) let nginx mark /static/ `expires max; immutable`. Only when the deployment
# asks: the manifest exists only after collectstatic, and the tests and the demo render {% static %} without one.
if os.environ.get("GONGZHI_STATIC_MANIFEST", "0") == "1":
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
# e.g. "/_protected/": private files leave through nginx's `internal` location of that name, which aliases
# MEDIA_ROOT, once the view has checked the reader (core.files.private_file_response). Unset: Django streams them.
GONGZHI_MEDIA_ACCEL = os.environ.get("GONGZHI_MEDIA_ACCEL", "")
if GONGZHI_MEDIA_ACCEL and not (GONGZHI_MEDIA_ACCEL.startswith("/") and GONGZHI_MEDIA_ACCEL.endswith("/")):
    raise ImproperlyConfigured(
        f"GONGZHI_MEDIA_ACCEL={GONGZHI_MEDIA_ACCEL!r} must start and end with '/', like '/_protected/', and match "
        "the internal location in deploy/nginx/gongzhi.conf."
    )
