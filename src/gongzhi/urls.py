import os
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from gongzhi.api import api
from gongzhi.voices.urls import open311_urlpatterns

urlpatterns: list[Any] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("gongzhi.core.urls")),
    path("", include("gongzhi.places.urls")),
    path("", include("gongzhi.people.urls")),
    path("", include("gongzhi.deliberation.urls")),
    path("", include("gongzhi.voices.urls")),
    path("", include("gongzhi.notifications.urls")),
    path("", include("gongzhi.timebank.urls")),
    path("open311/v2/", include((open311_urlpatterns, "open311"))),
]
# The 404 is Django's own view with templates/404.html; the 500 renders without the database (core/security.py).
handler500 = "gongzhi.core.security.server_error"
if settings.BENCH_MODE:
    urlpatterns.append(path("bench/bare/", lambda request: HttpResponse("ok"), name="bench_bare"))
# No route serves MEDIA_ROOT, in DEBUG or not: uploads are private, and each leaves only through a view that checks
# who may see it (core.files.private_file_response).
if os.environ.get("GONGZHI_SMOKE_FAULT", "0") == "1":
    # Set only by scripts/deploy_smoke.sh, to prove a real fault answers with the plain 500 page and no traceback.
    def smoke_fault(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("deploy smoke: a deliberate fault")

    urlpatterns.append(path("smoke/fault/", smoke_fault, name="smoke_fault"))
