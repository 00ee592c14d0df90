"""Time bank pages: the ledger (my points, accounts and cards, reversal, gifts, 通存通兑, settlement, settings)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from gongzhi.places import selectors as place_selectors
from gongzhi.places.views import _community_context


@login_required
def home(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=request.user, community_id=community_id)
    return render(request, "timebank/ledger_home.html", {**_community_context(request, community), "nav": "timebank"})


urlpatterns: list[Any] = [path("c/<int:community_id>/timebank/", home, name="home")]
