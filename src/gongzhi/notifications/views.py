"""The user's inbox of notifications: unread first; mark one or all read (POST)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.http import actor_of
from gongzhi.core.pages import is_htmx, render_page
from gongzhi.notifications import selectors, services

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = Paginator(selectors.notification_list(actor=actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "notifications/list.html", {"page": page, "notifications": list(page)})


def _safe(request: HttpRequest, url: str) -> bool:
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks one read; with htmx, returns the updated row."""
    notification = services.notification_read(actor=actor_of(request), notification_id=notification_id)
    if is_htmx(request):
        return render_page(request, "notifications/_row.html", {"n": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Marks one read and goes where it points (an address inside this site only)."""
    notification = services.notification_read(actor=actor_of(request), notification_id=notification_id)
    if _safe(request, notification.url):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_read_all(actor=actor_of(request))
    messages.success(request, _("已将 %(n)s 条消息标为已读") % {"n": n})
    return redirect("notifications:list")
