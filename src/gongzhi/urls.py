from typing import Any

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from gongzhi.api import api

urlpatterns: list[Any] = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("gongzhi.core.urls")),
    path("", include("gongzhi.places.urls")),
    path("", include("gongzhi.people.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
