"""gunicorn's settings for gongzhi-web.service (deploy/bin/gongzhi-web); the deploy smoke test uses this file too.

gthread workers (2 processes × 4 threads): on the 2-core machine, shared as a street's server is with PostgreSQL,
Redis and the task worker, they served 2–4× the signed-in pages of sync workers, and as many as granian or uvicorn
(docs/BENCHMARKS.md, "Production app server"). Staying with gunicorn keeps `systemctl reload gongzhi-web`: HUP
starts new workers on the new code and lets the old ones finish their requests, so reads never stop during an
upgrade.
"""

import os
from pathlib import Path

# Importable without installing the project: the code lives in src/ beside deploy/.
pythonpath = str(Path(__file__).resolve().parent.parent / "src")
wsgi_app = "gongzhi.wsgi:application"

# 127.0.0.1:8001 as nginx expects (deploy/nginx/gongzhi.conf), or unix:/run/gongzhi/web.sock.
bind = [os.environ.get("GONGZHI_BIND", "127.0.0.1:8001")]
workers = int(os.environ.get("GONGZHI_WEB_WORKERS", "2"))
worker_class = "gthread"
# While one thread waits on PostgreSQL, Redis or the client, another runs; each thread keeps its own database
# connection (CONN_MAX_AGE), so PostgreSQL sees up to workers × threads of them.
threads = int(os.environ.get("GONGZHI_WEB_THREADS", "4"))
# A page that takes longer than this is a bug; the worker is killed and replaced rather than left hanging.
timeout = 30
graceful_timeout = 30
# Connections from nginx are kept (its upstream keepalive), saving a connect per request.
keepalive = 5
# A fresh worker now and then bounds any slow leak; the jitter keeps the two from restarting together.
max_requests = 5000
max_requests_jitter = 500
# Not preloaded: on HUP each new worker imports the new code (the upgrade path in docs/DEPLOY.md relies on it).
preload_app = False
# Only nginx on this machine may say which scheme the client used (X-Forwarded-Proto).
forwarded_allow_ips = "127.0.0.1"
# Django logs each request itself (with the request id); gunicorn's own log goes to the journal.
accesslog = None
errorlog = "-"
loglevel = "info"
proc_name = "gongzhi-web"
# gunicorn's control socket would sit in the service user's home; reloads go through `systemctl reload` (HUP).
control_socket_disable = True


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """REMOTE_ADDR becomes the client's address that nginx puts in X-Real-IP, for requests that came from nginx.

    gunicorn leaves REMOTE_ADDR as the proxy's (127.0.0.1), and the login back-off counts failures per client
    address (settings.LOGIN_THROTTLE_CLIENT): without this, twenty wrong passwords from anyone would slow every
    login in the street. Only a request from this machine (or the unix socket) may name the client."""
    inner = worker.wsgi
    trusted = {"127.0.0.1", "::1", ""}

    def real_client(environ, start_response):  # type: ignore[no-untyped-def]
        real = environ.get("HTTP_X_REAL_IP", "")
        if real and environ.get("REMOTE_ADDR", "") in trusted:
            environ["REMOTE_ADDR"] = real
        return inner(environ, start_response)

    worker.wsgi = real_client
