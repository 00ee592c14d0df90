"""Benchmark steps, each run in its own process against one database (see bench/run.py)."""

from __future__ import annotations

import datetime
import json
import sys
import time

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from gongzhi.core.models import User  # noqa: E402
from gongzhi.core.roles import Role  # noqa: E402
from gongzhi.core.services import role_assign, user_create  # noqa: E402
from gongzhi.demo.people.build import build_community, build_street  # noqa: E402
from gongzhi.demo.people.specs import lixiong_spec  # noqa: E402
from gongzhi.people.models import Person  # noqa: E402
from gongzhi.places.models import Household, Place, PlaceKind  # noqa: E402

BENCH_PHONE = "13700000001"
BENCH_PASSWORD = "bench-pass-2026"


def build(communities: int, residents: int) -> dict[str, object]:
    call_command("migrate", verbosity=0)
    street = build_street(name="基准街道")
    first = None
    for i in range(communities):
        community = build_community(
            street=street, name=f"基准社区{i + 1}", spec=lixiong_spec(residents=residents), seed=i
        )
        first = first or community
    user = user_create(actor=None, phone=BENCH_PHONE, password=BENCH_PASSWORD, display_name="基准书记")
    role_assign(actor=None, user=user, role=Role.SECRETARY, place=first)
    return {"residents": Person.objects.count(), "households": Household.objects.count()}


def _community() -> tuple[User, Place]:
    user = User.objects.get(phone=BENCH_PHONE)
    return user, Place.objects.get(pk=user.role_assignments.get().place_id)


def pages(community: Place) -> dict[str, str]:
    c = community.pk
    building = Place.objects.filter(community=community, kind=PlaceKind.BUILDING).order_by("path").first()
    household = Household.objects.filter(community=community).order_by("id").first()
    person = Person.objects.filter(community=community, household__isnull=False).order_by("id").first()
    assert building and household and person
    return {
        "community_home": f"/c/{c}/",
        "resident_list": f"/c/{c}/people/",
        "resident_list_page_40": f"/c/{c}/people/?page=40",
        "resident_search": f"/c/{c}/people/?q=%E5%BC%A0",
        "building": f"/c/{c}/places/{building.pk}/",
        "household": f"/c/{c}/households/{household.pk}/",
        "resident": f"/c/{c}/people/{person.pk}/",
        "api_people": f"/api/communities/{c}/people",
    }


def queries() -> dict[str, object]:
    user, community = _community()
    client = Client()
    client.force_login(user)
    counts: dict[str, object] = {"residents": Person.objects.count()}
    for name, url in pages(community).items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(ctx.captured_queries)
    return counts


def session() -> dict[str, object]:
    user, community = _community()
    client = Client()
    client.force_login(user)
    urls = pages(community)
    return {"session": client.cookies["sessionid"].value, "home": urls["community_home"], "list": urls["resident_list"]}


def import_rows(rows_wanted: int) -> dict[str, object]:
    """A 30,000-row sheet into a community whose 10,240 households exist; validation then import."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.people.sheets import xlsx_bytes

    from gongzhi.people.importing.jobs import import_job_confirm, import_job_create
    from gongzhi.people.models import ImportJob
    from gongzhi.places.services import place_create
    from gongzhi.rules import idcard

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    import django_tasks

    django_tasks.task_backends._settings = None  # type: ignore[attr-defined]
    call_command("migrate", verbosity=0)
    street = place_create(actor=None, parent=None, kind=PlaceKind.STREET, name=f"导入街道{time.time_ns()}")
    community = place_create(actor=None, parent=street, kind=PlaceKind.COMMUNITY, name="导入社区")
    compound = place_create(actor=None, parent=community, kind=PlaceKind.COMPOUND, name="导入小区")
    households = []
    for b in range(1, 21):
        building = place_create(actor=None, parent=compound, kind=PlaceKind.BUILDING, name=f"{b}栋")
        for u in range(1, 5):
            unit = place_create(actor=None, parent=building, kind=PlaceKind.UNIT, name=f"{u}单元")
            households += [
                Household(community=community, place=unit, place_path=unit.path, room=f"{f}{n:02d}", floor=f)
                for f in range(1, 33)
                for n in range(1, 5)
            ]
    Household.objects.bulk_create(households, batch_size=1000)
    user = user_create(actor=None, phone="13700000002", password=BENCH_PASSWORD)
    role_assign(actor=None, user=user, role=Role.SECRETARY, place=community)
    rows, seq, i = [], 0, 0
    while len(rows) < rows_wanted:
        b, rest = divmod(i, 4 * 32 * 4)
        u, rest = divmod(rest, 32 * 4)
        floor, flat = divmod(rest, 4)
        i += 1
        for k, relation in enumerate(("户主", "家庭成员", "租户")):
            seq += 1
            birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=seq // 1000)
            rows.append(
                [
                    f"张三{k}",
                    idcard.generate("510114", birth, seq % 1000),
                    f"139{seq:08d}",
                    f"{b % 20 + 1}栋",
                    f"{u + 1}单元",
                    f"{floor + 1}{flat + 1:02d}",
                    "88.50" if k == 0 else None,
                    relation,
                    ("", "独居", "退役军人")[seq % 3],
                ]
            )
            if len(rows) == rows_wanted:
                break
    data = xlsx_bytes(rows)
    t0 = time.perf_counter()
    job = import_job_create(
        actor=user, community=community, target=community, upload=SimpleUploadedFile("台账.xlsx", data)
    )
    t1 = time.perf_counter()
    import_job_confirm(actor=user, job=ImportJob.objects.get(pk=job.pk), mode="valid_only")
    t2 = time.perf_counter()
    job = ImportJob.objects.get(pk=job.pk)
    return {
        "rows": rows_wanted,
        "validated_s": round(t1 - t0, 1),
        "imported_s": round(t2 - t1, 1),
        "total_s": round(t2 - t0, 1),
        "imported_rows": job.imported_rows,
        "status": job.status,
    }


if __name__ == "__main__":
    step, args = sys.argv[1], [int(a) for a in sys.argv[2:]]
    result = {"build": build, "queries": queries, "session": session, "import": import_rows}[step](*args)
    print(json.dumps(result, ensure_ascii=False))
