"""Community home, tree browsing, households, and the public community page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from gongzhi.core.http import actor_of
from gongzhi.core.pages import community_page, page_context, render_page
from gongzhi.places import selectors
from gongzhi.places.models import Place

PAGE_SIZE = 25


def tree_rows(community: Place, nodes: list[Place], counts: dict[int, dict[str, int]]) -> list[dict[str, str]]:
    """Labels and links built once in Python: a template include per node cost more than the whole query work."""
    base = reverse("places:community_home", args=[community.pk])
    rows = []
    for node in nodes:
        c = counts.get(node.pk, {})
        rows.append(
            {
                "name": node.name,
                "url": f"{base}places/{node.pk}/",
                "detail": _("%(kind)s · %(h)s户 %(r)s人")
                % {"kind": node.get_kind_display(), "h": c.get("households", 0), "r": c.get("residents", 0)},
            }
        )
    return rows


@login_required
def community_home(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    roots = selectors.place_roots(actor=actor, community=community)
    if roots == [community]:
        roots = selectors.place_children(actor=actor, place=community)
    counts = selectors.subtree_counts(actor=actor, place=community, children=roots)
    context = page_context(
        request,
        community,
        nav="home",
        figures=selectors.community_figures(actor=actor, community=community),
        tree=tree_rows(community, roots, counts),
    )
    return render_page(request, "places/community_home.html", context)


@login_required
def place_detail(request: HttpRequest, community_id: int, place_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    place = selectors.place_get(actor=actor, community=community, place_id=place_id)
    children = selectors.place_children(actor=actor, place=place)
    counts = selectors.subtree_counts(actor=actor, place=place, children=children)
    households = None
    if not children:
        page = Paginator(selectors.household_list(actor=actor, place=place), PAGE_SIZE)
        households = page.get_page(request.GET.get("page"))
    context = page_context(
        request,
        community,
        place=place,
        breadcrumbs=selectors.place_breadcrumbs(actor=actor, place=place),
        children=tree_rows(community, children, counts),
        households=households,
    )
    return render_page(request, "places/place_detail.html", context, fragment="places/_children.html")


@login_required
def household_detail(request: HttpRequest, community_id: int, household_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    household = selectors.household_get(actor=actor, community=community, household_id=household_id)
    residents, owners = selectors.household_members(actor=actor, household=household)
    names = selectors.place_names(community=community)
    context = page_context(
        request,
        community,
        household=household,
        label=selectors.path_label(household.place_path, names, community, household.room),
        breadcrumbs=selectors.place_breadcrumbs(actor=actor, place=household.place),
        residents=residents,
        owners=owners,
    )
    return render_page(request, "places/household_detail.html", context)


@login_required
def street_home(request: HttpRequest, street_id: int) -> HttpResponse:
    """Street office staff: every community of the street in figures; no resident rows (PIPL necessity)."""
    actor = actor_of(request)
    street = selectors.street_get(actor=actor, street_id=street_id)
    rows = selectors.street_figures(actor=actor, street=street)
    totals = {k: sum(r[k] for r in rows) for k in ("residents", "households", "grids", "living_alone", "veterans")}
    return render(request, "places/street_home.html", {"street": street, "rows": rows, "totals": totals})


def directory(request: HttpRequest) -> HttpResponse:
    communities = selectors.public_communities()
    return render(request, "places/directory.html", {"communities": communities})


def public_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """Public: name, places and contact only; never any personal data."""
    from gongzhi.deliberation.selectors.cocreation import action_plan_progress
    from gongzhi.deliberation.selectors.topics import public_topics

    community = selectors.public_community_get(community_id=community_id)
    places = selectors.public_places(community=community)
    topics = list(public_topics(community=community)[:50])
    progress = action_plan_progress(topic_ids=[t.pk for t in topics])
    for t in topics:
        t.plan_progress = progress.get(t.pk)  # type: ignore[attr-defined]
    return render(request, "places/public.html", {"community": community, "places": places, "topics": topics})
