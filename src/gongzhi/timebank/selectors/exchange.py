"""Reads of resident exchange: the open offers and requests are public to everyone with a role in the community
(names masked in the pages); an exchange is seen by its two residents and by those who approve help here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from gongzhi.core.errors import NotFound
from gongzhi.core.models import User
from gongzhi.people.models import Person
from gongzhi.places.models import Place
from gongzhi.timebank.models.exchange import Exchange, ExchangeStatus, Post, PostKind, PostStatus
from gongzhi.timebank.predicates import can_approve_help, require_member

__all__ = ["exchange_get", "my_exchanges", "my_person", "post_exchanges", "post_get", "post_list"]


def my_person(*, actor: User, community: Place) -> Person | None:
    """The actor's own resident record in the community, or None."""
    return Person.objects.filter(account_id=actor.pk, community_id=community.pk).first()


def post_list(*, actor: User, community: Place, kind: str = "") -> QuerySet[Post]:
    """The community's open posts, newest first (the (community, status, created_at) index), with poster and type."""
    require_member(actor, community)
    qs = Post.objects.filter(community=community, status=PostStatus.OPEN)
    if kind in PostKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("person", "service_type__required_skill").order_by("-created_at", "-id")


def post_get(*, actor: User, community: Place, id: int) -> Post:
    require_member(actor, community)
    post: Post | None = (
        Post.objects.filter(community=community, pk=id)
        .select_related("community", "person", "service_type__required_skill")
        .first()
    )
    if post is None:
        raise NotFound()
    return post


def post_exchanges(*, actor: User, post: Post) -> list[Exchange]:
    """The post's exchanges the actor may see: all of them for its poster and for those approving help, else the
    actor's own."""
    community: Place = post.community
    qs = Exchange.objects.filter(post=post).select_related("helper", "helped", "record").order_by("-created_at", "-id")
    if not (post.person.account_id == actor.pk or can_approve_help(actor, community)):
        qs = qs.filter(Q(helper__account_id=actor.pk) | Q(helped__account_id=actor.pk))
    return list(qs)


def exchange_get(*, actor: User, community: Place, id: int) -> Exchange:
    """One exchange the actor may see (a party, or someone approving help here); else 404."""
    require_member(actor, community)
    qs = Exchange.objects.filter(community=community, pk=id).select_related("post", "helper", "helped", "community")
    if not can_approve_help(actor, community):
        qs = qs.filter(Q(helper__account_id=actor.pk) | Q(helped__account_id=actor.pk))
    exchange: Exchange | None = qs.first()
    if exchange is None:
        raise NotFound()
    return exchange


def my_exchanges(*, actor: User, community: Place) -> QuerySet[Exchange]:
    """The actor's live and recent exchanges in the community, agreed ones first."""
    require_member(actor, community)
    return (
        Exchange.objects.filter(community=community)
        .filter(Q(helper__account_id=actor.pk) | Q(helped__account_id=actor.pk))
        .exclude(status=ExchangeStatus.CANCELLED)
        .select_related("post__service_type", "helper", "helped")
        .order_by("status", "-created_at", "-id")[:20]
    )
