from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gongzhi.core.middleware import prefers_large_font


def preferences(request: HttpRequest) -> dict[str, Any]:
    return {
        "large_font": prefers_large_font(request),
        "languages": settings.LANGUAGES,
        "demo_mode": settings.DEMO_MODE,
    }
