"""GET /healthz for the load balancer and the operator: the database, the shared cache and the task worker.

200 {"status": "ok", "checks": {...: "ok"}} or 503 naming what failed ("database": "down", "cache": "down",
"worker": "stale" / "never" / "unknown"). No authentication and no session (the view reads neither), never
cached, and no exception text or configuration in the answer: it is public.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from gongzhi.core.tasks import HEARTBEAT_ROW, HEARTBEAT_STALE_AFTER

logger = logging.getLogger("gongzhi.health")

HEALTH_KEY = "gongzhi:healthz"


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("healthz: database down (%s)", type(error).__name__)
        return "down"
    return "ok"


def cache_status() -> str:
    """A set and get of a fresh value; the tolerant Redis cache hides an outage as a miss, so it is asked too."""
    ping = getattr(cache, "ping", None)
    if ping is not None and not ping():
        return "down"
    token = uuid.uuid4().hex
    cache.set(HEALTH_KEY, token, timeout=30)
    return "ok" if cache.get(HEALTH_KEY) == token else "down"


def worker_status() -> str:
    from gongzhi.core.models import WorkerHeartbeat

    try:
        beat_at = WorkerHeartbeat.objects.filter(pk=HEARTBEAT_ROW).values_list("beat_at", flat=True).first()
    except DatabaseError:
        return "unknown"
    if beat_at is None:
        return "never"  # no worker has run the heartbeat (`manage.py heartbeat_schedule` starts it)
    return "ok" if timezone.now() - beat_at <= HEARTBEAT_STALE_AFTER else "stale"


@require_safe
def healthz_view(request: HttpRequest) -> JsonResponse:
    database = database_status()
    checks = {
        "database": database,
        "cache": cache_status(),
        "worker": worker_status() if database == "ok" else "unknown",
    }
    healthy = all(value == "ok" for value in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
