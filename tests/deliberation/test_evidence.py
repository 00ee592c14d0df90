"""Ballot evidence (paper scans and written proxy authorisations): the real type from the whole content, a random
stored name, and one download view with the ballots page's audience; MEDIA_ROOT is never served."""

from __future__ import annotations

import importlib
import io
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import clear_url_caches
from PIL import Image

from gongzhi.core.errors import AlreadyVoted, ValidationFailed
from gongzhi.core.roles import Role
from gongzhi.deliberation.models import Ballot
from gongzhi.deliberation.services.ballots import ballot_cast, ballot_enter_paper, ballot_enter_proxy
from tests.conftest import login
from tests.deliberation.conftest import voting_topic
from tests.uploads import POLYGLOT, image_bytes, real_pdf, upload, xref_stream_pdf

STORED = re.compile(r"ballots/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|jpg|png)")


def media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def proxy(topic, secretary, voter, evidence) -> Ballot:
    return ballot_enter_proxy(
        actor=secretary, topic=topic, voter=voter, choice="agree", proxy_name="李代理", evidence=evidence
    )


# --- what is accepted, and how it is kept ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "evidence",
    [
        upload(POLYGLOT, name="x.html", content_type="text/html"),
        upload(POLYGLOT, name="委托书.pdf"),
        upload(POLYGLOT + b"startxref\n0\n%%EOF\n", name="委托书.pdf"),
        upload(b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", name="scan.png", content_type="image/png"),
    ],
    ids=["polyglot-html-name", "polyglot-pdf-name", "polyglot-fake-tail", "png-magic-html"],
)
def test_a_file_that_only_starts_like_a_pdf_or_image_is_refused_and_nothing_is_saved(owners, secretary, evidence):
    topic = voting_topic(owners.site, secretary)
    with pytest.raises(ValidationFailed) as caught:
        proxy(topic, secretary, owners.site.people[0], evidence)
    assert caught.value.code == "bad_type" and caught.value.extra == {"field": "evidence"}
    assert str(caught.value.message) == "凭证须为完整的PDF、PNG或JPG文件，请重新扫描或导出后上传"
    assert not Ballot.objects.exists() and media_files() == []


@pytest.mark.django_db
def test_the_polyglot_is_refused_on_the_ballots_page_too(owners, secretary):
    site = owners.site
    topic = voting_topic(site, secretary)
    response = login(secretary).post(
        f"/c/{site.community.pk}/topics/{topic.pk}/ballots/",
        {
            "channel": "proxy",
            "id_number": site.people[0].id_number,
            "choice": "agree",
            "proxy_name": "李代理",
            "evidence": upload(POLYGLOT, name="x.html", content_type="text/html"),
        },
    )
    assert response.status_code == 200 and "凭证须为完整的PDF、PNG或JPG文件" in response.content.decode()
    assert not Ballot.objects.exists() and media_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize("make", [real_pdf, xref_stream_pdf], ids=["reportlab", "xref-stream"])
def test_a_real_pdf_is_kept_as_sent_under_a_random_name(owners, secretary, make):
    data = make()
    ballot = proxy(voting_topic(owners.site, secretary), secretary, owners.site.people[0], upload(data, "x.html"))
    assert STORED.fullmatch(ballot.evidence.name) and ballot.evidence.name.endswith(".pdf")
    assert "x.html" not in ballot.evidence.name
    with ballot.evidence.open("rb") as kept:
        assert kept.read() == data
    assert media_files() == [Path(django_settings.MEDIA_ROOT) / ballot.evidence.name]


@pytest.mark.django_db
def test_a_scanned_image_is_re_encoded_without_its_metadata_under_a_random_name(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    sent = image_bytes("JPEG", size=(2480, 3508), gps=True)  # an A4 page at 300 dpi, with a phone's GPS tag
    ballot = ballot_enter_paper(
        actor=secretary,
        topic=topic,
        voter=owners.site.people[0],
        choice="agree",
        serial_no="A-0001",
        scan=upload(sent, name="<script>.pdf", content_type="application/pdf"),
    )
    assert STORED.fullmatch(ballot.evidence.name) and ballot.evidence.name.endswith(".jpg")
    with ballot.evidence.open("rb") as kept:
        image = Image.open(io.BytesIO(kept.read()))
    assert image.format == "JPEG" and image.size == (2480, 3508)  # legible: not shrunk below 4096 px
    assert 0x8825 not in image.getexif()


@pytest.mark.django_db
def test_a_refused_second_ballot_leaves_no_file_behind(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    voter = owners.site.people[0]
    proxy(topic, secretary, voter, upload(real_pdf()))
    with pytest.raises(AlreadyVoted):
        proxy(topic, secretary, voter, upload(real_pdf("second")))
    assert len(media_files()) == 1 and Ballot.objects.count() == 1


# --- the download view -------------------------------------------------------------------------------------------


@pytest.fixture
def evidence(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    ballot = proxy(topic, secretary, owners.site.people[0], upload(real_pdf()))
    return topic, ballot


def evidence_url(topic, ballot_id) -> str:
    return f"/c/{topic.community_id}/topics/{topic.pk}/ballots/{ballot_id}/evidence/"


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(evidence):
    topic, ballot = evidence
    response = Client().get(evidence_url(topic, ballot.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_another_community_gets_404(evidence, other_staff):
    topic, ballot = evidence
    for role in (Role.SECRETARY, Role.SOCIAL_WORKER, Role.RESIDENT):
        assert login(other_staff[role]).get(evidence_url(topic, ballot.pk)).status_code == 404


# The ballots page's audience: those who manage the topic's place. Everyone else who sees the topic is refused
# (403, as on the ballots page); a role that does not see the community-wide topic gets 404.
EXPECTED = {
    Role.SECRETARY: 200,
    Role.SOCIAL_WORKER: 200,
    Role.GRID_WORKER: 403,
    Role.BUILDING_HEAD: 403,
    Role.PROPERTY: 403,
    Role.STREET_STAFF: 403,
    Role.RESIDENT: 403,
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_role_matrix(evidence, staff, role):
    topic, ballot = evidence
    response = login(staff[role]).get(evidence_url(topic, ballot.pk))
    assert response.status_code == EXPECTED[role], (role, response.status_code)
    if response.status_code == 403:
        assert "只有议题的组织者可以查看表决票的扫描件和委托书" in response.content.decode()


@pytest.mark.django_db
def test_the_voter_is_refused_too(evidence, owners):
    topic, ballot = evidence
    assert login(owners.accounts[0]).get(evidence_url(topic, ballot.pk)).status_code == 403


@pytest.mark.django_db
def test_the_allowed_role_downloads_it_as_an_attachment_that_is_never_sniffed(evidence, staff):
    topic, ballot = evidence
    response = login(staff[Role.SOCIAL_WORKER]).get(evidence_url(topic, ballot.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="ballot-{topic.pk}-{ballot.pk}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    assert "sandbox" in response["Content-Security-Policy"]
    with ballot.evidence.open("rb") as kept:
        assert b"".join(response.streaming_content) == kept.read()


@pytest.mark.django_db
def test_an_image_scan_is_shown_inline(owners, secretary):
    topic = voting_topic(owners.site, secretary)
    ballot = ballot_enter_paper(
        actor=secretary,
        topic=topic,
        voter=owners.site.people[0],
        choice="agree",
        serial_no="A-0001",
        scan=upload(image_bytes("PNG"), name="scan.png", content_type="image/png"),
    )
    response = login(secretary).get(evidence_url(topic, ballot.pk))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="ballot-{topic.pk}-{ballot.pk}.png"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"].startswith("private")


@pytest.mark.django_db
def test_out_of_scope_missing_or_empty_evidence_is_404(evidence, owners, secretary):
    topic, ballot = evidence
    client = login(secretary)
    other_topic = voting_topic(owners.site, secretary)
    assert client.get(evidence_url(other_topic, ballot.pk)).status_code == 404  # a ballot of another topic
    assert client.get(evidence_url(topic, 999999)).status_code == 404
    online = ballot_cast(actor=owners.accounts[1], topic=topic, choice="agree")
    assert client.get(evidence_url(topic, online.pk)).status_code == 404  # no file
    ballot.evidence.storage.delete(ballot.evidence.name)
    assert client.get(evidence_url(topic, ballot.pk)).status_code == 404  # the row outlived its file


@pytest.mark.django_db
def test_a_file_stored_before_inspection_is_an_opaque_download(evidence, secretary):
    """Evidence kept under the uploader's own name before this fix (x.html holding HTML) is never rendered."""
    topic, ballot = evidence
    storage = ballot.evidence.storage
    legacy = storage.save("ballots/2026/11/x.html", ContentFile(POLYGLOT))
    Ballot.objects.filter(pk=ballot.pk).update(evidence=legacy)
    response = login(secretary).get(evidence_url(topic, ballot.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="ballot-{topic.pk}-{ballot.pk}.bin"'


@pytest.mark.django_db
def test_the_ballots_page_links_the_evidence_for_managers(evidence, secretary):
    topic, ballot = evidence
    html = login(secretary).get(f"/c/{topic.community_id}/topics/{topic.pk}/ballots/").content.decode()
    assert f'href="{evidence_url(topic, ballot.pk)}"' in html
    assert "/media/" not in html


# --- MEDIA_ROOT is not a public path -----------------------------------------------------------------------------


@pytest.fixture
def urls_with_debug_on(settings):
    """gongzhi.urls rebuilt as `manage.py runserver` builds it with DEBUG on (as the demo runs it)."""
    import gongzhi.urls

    settings.DEBUG = True
    importlib.reload(gongzhi.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(gongzhi.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_media_is_not_served_even_with_debug_on(evidence, urls_with_debug_on, staff):
    _topic, ballot = evidence
    storage = ballot.evidence.storage
    storage.save("ballots/2026/11/x.html", ContentFile(POLYGLOT))
    for client in (Client(), login(staff[Role.SECRETARY])):
        assert client.get("/media/ballots/2026/11/x.html").status_code == 404
        assert client.get(f"/media/{ballot.evidence.name}").status_code == 404
