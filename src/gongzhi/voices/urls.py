"""Every route of 社情民意: the pages (namespace `voices`) and the public Open311 GeoReport v2 endpoint
(`open311_urlpatterns`, namespace `open311`, mounted at /open311/v2/ by `gongzhi.urls`)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, re_path

from gongzhi.voices import open311
from gongzhi.voices.views import inbox, residents, routing, stats, surveys

app_name = "voices"

_C = "c/<int:community_id>/voices/"
_SURVEYS = _C + "surveys/"

urlpatterns: list[URLPattern | URLResolver] = [
    # residents
    path(_C, residents.home, name="home"),
    path(_C + "new/", residents.report, name="report"),
    path(_C + "similar/", residents.similar, name="similar"),
    path(_C + "mine/", residents.mine, name="mine"),
    path(_C + "public/", residents.public_list, name="public"),
    path(_C + "<int:voice_id>/", residents.voice_detail, name="detail"),
    path(_C + "<int:voice_id>/me-too/", residents.me_too, name="me_too"),
    path(_C + "<int:voice_id>/rate/", residents.rate, name="rate"),
    path(_C + "<int:voice_id>/reopen/", residents.reopen, name="reopen"),
    path(_C + "<int:voice_id>/photos/<int:photo_id>/", residents.photo, name="photo"),
    # the inbox
    path(_C + "inbox/", inbox.inbox, name="inbox"),
    path(_C + "enter/", inbox.enter, name="enter"),
    path(_C + "statuses/", inbox.statuses, name="statuses"),
    path(_C + "from-meeting/<int:meeting_id>/", inbox.from_meeting, name="from_meeting"),
    path(_C + "<int:voice_id>/handle/", inbox.handle, name="handle"),
    path(_C + "<int:voice_id>/handle/reveal-phone/", inbox.reveal_phone, name="reveal_phone"),
    path(_C + "<int:voice_id>/handle/reveal-text/", inbox.reveal_text, name="reveal_text"),
    path(_C + "<int:voice_id>/handle/<slug:action>/", inbox.handle_action, name="handle_action"),
    # routing: the table, parties, categories and the holiday calendar
    path(_C + "routes/", routing.routes, name="routes"),
    path(_C + "routes/<int:route_id>/delete/", routing.route_delete, name="route_delete"),
    path(_C + "parties/", routing.parties, name="parties"),
    path(_C + "parties/<int:party_id>/", routing.party_edit, name="party"),
    path(_C + "categories/", routing.categories, name="categories"),
    path(_C + "categories/<int:category_id>/", routing.category_edit, name="category"),
    path("voices/calendar/", routing.calendar, name="calendar"),
    # 双找 surveys
    path(_SURVEYS, surveys.survey_list, name="surveys"),
    path(_SURVEYS + "<int:survey_id>/", surveys.survey_detail, name="survey"),
    path(_SURVEYS + "<int:survey_id>/households/<int:household_id>/", surveys.survey_visit, name="survey_visit"),
    # statistics
    path(_C + "stats/", stats.stats, name="stats"),
    path(_C + "stats/export.xlsx", stats.stats_export, name="stats_export"),
    path("s/<int:street_id>/voices/stats/", stats.street_stats, name="street_stats"),
    # Open311 keys (staff pages)
    path(_C + "open311/keys/", open311.keys, name="open311_keys"),
    path(_C + "open311/keys/<int:key_id>/revoke/", open311.key_revoke, name="open311_key_revoke"),
]

# The public Open311 endpoint; `open311` registers the `open311_format` converter these paths use.
open311_urlpatterns: list[URLPattern | URLResolver] = [
    path("discovery.<open311_format:fmt>", open311.discovery, name="discovery"),
    path("services.<open311_format:fmt>", open311.service_list, name="services"),
    path("services/<str:service_code>.<open311_format:fmt>", open311.service_definition, name="service"),
    path("requests.<open311_format:fmt>", open311.requests, name="requests"),
    path("requests/<str:request_id>.<open311_format:fmt>", open311.request_detail, name="request"),
    path("tokens/<str:token>.<open311_format:fmt>", open311.token_detail, name="token"),
    # Anything else is the spec's 404, in XML when the address ends with .xml, else in JSON (.csv, no suffix).
    re_path(r"^(?P<rest>.*)\.(?P<fmt>xml)$", open311.unknown_endpoint, name="unknown_xml"),
    re_path(r"^(?P<rest>.*)$", open311.unknown_endpoint, {"fmt": "json"}, name="unknown"),
]
