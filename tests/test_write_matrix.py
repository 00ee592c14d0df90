"""Every write endpoint × {other community, lower role}: refused, and nothing changes."""

from __future__ import annotations

import pytest

from gongzhi.core.models import AuditEvent, SensitiveAccess, User
from gongzhi.core.roles import Role
from gongzhi.people.models import CorrectionRequest, ImportJob, Person, PersonTag, Tag
from tests import factories
from tests.conftest import login
from tests.people.sheets import upload


def writes(site) -> dict[str, tuple[str, dict]]:
    c, person, household = site.community.pk, site.people[0], site.households[0]
    veteran = factories.builtin_tag("veteran").pk
    return {
        "reveal": (f"/c/{c}/people/{person.pk}/reveal/id_number/", {}),
        "account": (f"/c/{c}/people/{person.pk}/account/", {"password": "Tmp-pass-2026"}),
        "person_tags": (f"/c/{c}/people/{person.pk}/tags/", {"tags": [str(veteran)]}),
        "register": (
            f"/c/{c}/households/{household.pk}/register/",
            {"name": "新住户", "id_number": factories.next_id_number(), "relation": "member"},
        ),
        "tags": (f"/c/{c}/tags/", {"name": "新标签"}),
        "import": (f"/c/{c}/imports/", {"target": str(c), "file": upload([])}),
        "corrections": (f"/c/{c}/corrections/", {"request_id": "1", "decision": "accept"}),
    }


def state() -> tuple:
    return (
        Person.objects.count(),
        PersonTag.objects.count(),
        Tag.objects.count(),
        ImportJob.objects.count(),
        SensitiveAccess.objects.count(),
        User.objects.filter(persons__isnull=False).count(),
        CorrectionRequest.objects.count(),
        AuditEvent.objects.count(),
    )


LOWER = {
    "reveal": Role.BUILDING_HEAD,
    "account": Role.BUILDING_HEAD,
    "person_tags": Role.BUILDING_HEAD,
    "register": Role.BUILDING_HEAD,
    "tags": Role.GRID_WORKER,
    "import": Role.GRID_WORKER,
    "corrections": Role.GRID_WORKER,
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LOWER))
def test_other_community_cannot_write(site, other_staff, name):
    url, data = writes(site)[name]
    before = state()
    response = login(other_staff[Role.SECRETARY]).post(url, data)
    assert response.status_code == 404
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LOWER))
def test_lower_role_cannot_write(site, staff, name):
    url, data = writes(site)[name]
    before = state()
    response = login(staff[LOWER[name]]).post(url, data)
    assert response.status_code == 403, response.status_code
    assert state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(LOWER))
def test_anonymous_cannot_write(site, client, name):
    url, data = writes(site)[name]
    before = state()
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert state() == before
