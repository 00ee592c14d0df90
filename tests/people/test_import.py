"""The 台账 import: upload checks, row validation with Excel row numbers, confirm, batches, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.core.audit import verify_chains
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from gongzhi.core.roles import Role
from gongzhi.people.importing import background, checking, writing
from gongzhi.people.importing.jobs import import_job_confirm, import_job_create
from gongzhi.people.models import ImportJob, ImportStatus, Ownership, Person, PersonTag, Relation, Tag
from gongzhi.places.models import Household
from gongzhi.places.services import household_create
from gongzhi.rules import idcard
from tests import factories
from tests.people import sheets
from tests.people.sheets import HEADER, person_row
from tests.queries import queries

_ids = iter(range(1, 1000))


def new_id(birth: datetime.date = datetime.date(1991, 3, 9)) -> str:
    """An ID number no factory hands out (different birth date and region)."""
    return idcard.generate("440305", birth, next(_ids))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def worker(staff):
    return staff[Role.SOCIAL_WORKER]


@pytest.fixture
def upload_job(site, worker, django_capture_on_commit_callbacks):
    """Creates a job and runs its validation task the way a commit would."""

    def make(rows, *, header=HEADER, actor=None, target=None):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_job_create(
                actor=actor or worker,
                community=site.community,
                target=target or site.community,
                upload=sheets.upload(rows, header),
            )
        job.refresh_from_db()
        return job

    return make


@pytest.fixture
def confirm(worker, django_capture_on_commit_callbacks):
    def do(job, mode="valid_only", actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            import_job_confirm(actor=actor or worker, job=job, mode=mode)
        job.refresh_from_db()
        return job

    return do


def counts():
    return (
        Person.objects.count(),
        PersonTag.objects.count(),
        Ownership.objects.count(),
        list(Household.objects.order_by("pk").values_list("area", flat=True)),
    )


def media_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- the main path ------------------------------------------------------------------------------------------


def test_valid_rows_and_one_bad_row(site, upload_job, confirm):
    good = [new_id() for _ in range(3)]
    rows = [
        person_row(good[0], name="王小红", phone="13812345678", tags="独居、退役军人"),
        person_row(good[1], name="刘大海", building="2栋", unit="2单元", room="202", relation="租户", tags="独居"),
        person_row(new_id(), name="赵错房", room="9999"),
        person_row(good[2], name="陈静", building=1, unit=2, room=201),
    ]
    before = Person.objects.count()
    job = upload_job(rows)

    assert job.status == ImportStatus.VALIDATED
    assert job.errors == [{"row": 4, "column": "房号", "message": "房号“9999”不存在"}]
    assert (job.total_rows, job.valid_rows, job.processed_rows) == (4, 3, 4)
    assert job.error_rows == 1
    assert checking.error_text(job.errors[0]) == "第4行 房号：房号“9999”不存在"
    assert Person.objects.count() == before  # validation writes nothing

    job = confirm(job)
    assert job.status == ImportStatus.DONE
    assert (job.imported_rows, job.processed_rows) == (3, 3)
    assert job.finished_at is not None
    assert Person.objects.count() == before + 3
    assert not Person.objects.filter(name="赵错房").exists()

    red = Person.objects.get(id_number=good[0])
    unit = site.units[0]
    household = Household.objects.get(place=unit, room="101")
    assert (red.name, red.phone, red.household_id, red.relation) == ("王小红", "13812345678", household.pk, "member")
    assert (red.place_path, red.grid_path) == (household.place_path, household.grid_path)
    assert red.birth_date == datetime.date(1991, 3, 9)
    assert sorted(PersonTag.objects.filter(person=red).values_list("tag__name", flat=True)) == ["独居", "退役军人"]
    tenant = Person.objects.get(id_number=good[1])
    assert tenant.relation == Relation.TENANT
    assert tenant.household == Household.objects.get(place=site.units[3], room="202")
    # "1" and "2" name 1栋 and 2单元, a numeric room cell names room 201.
    assert Person.objects.get(id_number=good[2]).household == Household.objects.get(place=site.units[1], room="201")


def test_nothing_mode_imports_nothing(upload_job, confirm):
    job = upload_job([person_row(new_id()), person_row(new_id(), room="9999")])
    assert job.valid_rows == 1
    before = counts()
    job = confirm(job, mode="nothing")
    assert job.status == ImportStatus.CANCELLED
    assert counts() == before
    assert job.imported_rows == 0
    with pytest.raises(ValidationFailed) as exc:
        confirm(job, mode="valid_only")
    assert exc.value.code == "bad_status"
    assert counts() == before


def test_audit_events_are_written(site, worker, upload_job, confirm):
    id_number = new_id()
    job = upload_job([person_row(id_number, phone="13812345678"), person_row(new_id(), tags="独居")])
    job = confirm(job)
    verbs = list(AuditEvent.objects.filter(community_id=site.community.pk).values_list("verb", flat=True))
    for verb in ("import_job.create", "import_job.validate", "import_job.confirm", "import_job.done"):
        assert verbs.count(verb) == 1, verb
    events = AuditEvent.objects.filter(verb="person.import").order_by("seq")
    assert events.count() == 2
    first = events[0]
    person = Person.objects.get(id_number=id_number)
    assert first.object_id == str(person.pk)
    assert first.actor_id == worker.pk
    # The trail never holds the full ID number or phone.
    assert first.after["id_number"] == person.masked_id_number != id_number
    assert first.after["phone"] == "138****5678"
    assert first.after["household"] == person.household_id
    assert (first.after["import_job"], first.after["row"]) == (job.pk, 2)
    assert verify_chains() is None


def test_area_is_updated_only_when_different(site, upload_job, confirm):
    h101 = Household.objects.get(place=site.units[0], room="101")
    h102 = Household.objects.get(place=site.units[0], room="102")
    assert (h101.area, h102.area) == (Decimal("81.50"), Decimal("82.50"))
    job = confirm(
        upload_job(
            [
                person_row(new_id(), room="101", area="95.25"),
                person_row(new_id(), room="102", area=82.5),
            ]
        )
    )
    assert job.status == ImportStatus.DONE
    h101.refresh_from_db()
    h102.refresh_from_db()
    assert (h101.area, h102.area) == (Decimal("95.25"), Decimal("82.50"))
    area_events = AuditEvent.objects.filter(verb="household.import_area")
    assert [e.object_id for e in area_events] == [str(h101.pk)]
    assert area_events[0].before == {"area": "81.50"}


def test_headers_in_any_order_extra_columns_and_blank_rows(site, upload_job, confirm):
    header = ["备注", "房号", "身份", "*姓名", "楼栋", "单元", "身份证号", "面积(m²)"]
    first, second = new_id(), new_id()
    rows = [
        ["随便写", "101", "家庭成员", "周一", "1栋", "1单元", first, None],
        [None] * 8,
        ["只有备注", None, None, None, None, None, None, None],
        ["", "102", "家庭成员", "周二", "1栋", "1单元", second, "abc"],
    ]
    job = upload_job(rows, header=header)
    assert job.total_rows == 2
    assert job.errors == [{"row": 5, "column": "面积", "message": "面积应为数字，单位平方米"}]
    confirm(job)
    assert Person.objects.filter(id_number=first, name="周一").exists()
    assert not Person.objects.filter(id_number=second).exists()


def test_target_below_the_community_resolves_buildings_under_it(site, upload_job):
    job = upload_job([person_row(new_id())], target=site.buildings[1])
    assert job.errors == [{"row": 2, "column": "楼栋", "message": "楼栋“1栋”不存在"}]
    job = upload_job([person_row(new_id(), building="2栋")], target=site.buildings[1])
    assert (job.valid_rows, job.errors) == (1, [])


# --- every bad input changes nothing and says why ------------------------------------------------------------


def _bad_date_id() -> str:
    first17 = "440305" + "19901332" + "001"
    return first17 + idcard.check_char(first17)


def _bad_checksum_id() -> str:
    good = new_id()
    return good[:-1] + ("0" if good[-1] != "0" else "1")


BAD_ROWS = [
    ("bad checksum", {"id_number": _bad_checksum_id()}, "身份证号", "身份证号校验位错误"),
    ("bad date", {"id_number": _bad_date_id()}, "身份证号", "身份证号中的出生日期无效"),
    ("bad length", {"id_number": "44030519910309001"}, "身份证号", "身份证号应为18位，当前为17位"),
    ("bad phone", {"phone": "12345"}, "手机号", "手机号应为11位数字，以13-19开头"),
    ("unknown building", {"building": "9栋"}, "楼栋", "楼栋“9栋”不存在"),
    ("unknown unit", {"unit": "5单元"}, "单元", "单元“5单元”不存在"),
    ("unknown room", {"room": "9999"}, "房号", "房号“9999”不存在"),
    ("bad area decimals", {"area": "80.123"}, "面积", "面积应为大于0的数字，最多两位小数"),
    ("negative area", {"area": -5}, "面积", "面积应为大于0的数字，最多两位小数"),
    ("unknown relation", {"relation": "房东"}, "身份", "身份“房东”无效，应为户主、家庭成员、租户或产权人"),
    ("unknown tag", {"tags": "独居，神仙 外星人"}, "标签", "标签“神仙、外星人”不存在"),
    ("script in name", {"name": "<script>alert(1)</script>"}, "姓名", "姓名不能包含HTML或脚本代码"),
    ("empty name", {"name": ""}, "姓名", "姓名不能为空"),
]


@pytest.mark.parametrize(("case", "override", "column", "message"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_bad_row_changes_nothing(upload_job, confirm, case, override, column, message):
    fields = {"id_number": new_id(), **override}
    before = counts()
    job = upload_job([person_row(**fields)])
    assert job.status == ImportStatus.VALIDATED
    assert job.valid_rows == 0
    assert len(job.errors) == 1
    assert job.errors[0]["row"] == 2
    assert job.errors[0]["column"] == column
    assert job.errors[0]["message"].startswith(message)
    with pytest.raises(ValidationFailed) as exc:
        confirm(job)
    assert exc.value.code == "nothing_valid"
    assert counts() == before


def test_duplicate_of_registered_person(site, upload_job, confirm):
    registered = site.people[0]
    before = counts()
    job = upload_job([person_row(registered.id_number, name=registered.name)])
    assert job.errors == [{"row": 2, "column": "身份证号", "message": "该身份证号已在本社区登记"}]
    assert counts() == before


def test_duplicate_within_the_sheet_is_an_error_on_the_later_row(upload_job, confirm):
    twice = new_id()
    job = upload_job([person_row(twice, room="101"), person_row(new_id()), person_row(twice, room="102")])
    assert job.errors == [{"row": 4, "column": "身份证号", "message": "身份证号与第2行重复"}]
    confirm(job)
    person = Person.objects.get(id_number=twice)
    assert person.household.room == "101"


def test_all_bad_columns_of_a_row_are_reported_at_once(upload_job):
    job = upload_job([person_row("123", name="<b>x</b>", phone="999", room="9999", relation="路人")])
    assert [e["column"] for e in job.errors] == ["姓名", "身份证号", "手机号", "房号", "身份"]
    assert {e["row"] for e in job.errors} == {2}


def test_id_typed_as_a_number_gets_a_hint(upload_job):
    first17 = new_id()[:17]
    wrong_check = "1" if idcard.check_char(first17) != "1" else "2"
    job = upload_job([person_row(int(first17 + wrong_check))])
    assert job.errors[0]["column"] == "身份证号"
    assert "文本格式" in job.errors[0]["message"]


def test_second_head_of_a_household_is_refused(site, upload_job):
    # Every household of the test community already has its 户主.
    job = upload_job([person_row(new_id(), relation="户主")])
    assert job.errors == [{"row": 2, "column": "身份", "message": "该户已登记户主"}]
    empty = household_create(actor=None, place=site.units[0], room="301")
    job = upload_job(
        [person_row(new_id(), room="301", relation="户主"), person_row(new_id(), room="301", relation="户主")]
    )
    assert job.errors == [{"row": 3, "column": "身份", "message": "该户已有户主（第2行）"}]
    assert empty.residents.count() == 0


def test_sensitive_tag_needs_the_matching_reveal_permission(staff, upload_job, confirm):
    job = upload_job([person_row(new_id(), tags="党员")])
    assert job.errors == [{"row": 2, "column": "标签", "message": "您无权设置敏感标签“党员”"}]
    secretary = staff[Role.SECRETARY]
    id_number = new_id()
    job = upload_job([person_row(id_number, tags="党员 残疾")], actor=secretary)
    assert job.errors == []
    confirm(job, actor=secretary)
    tags = PersonTag.objects.filter(person__id_number=id_number).values_list("tag__key", flat=True)
    assert sorted(tags) == ["disability", "party"]


def test_community_tag_is_known_and_other_communities_tags_are_not(site, other_site, upload_job, confirm):
    Tag.objects.create(community=site.community, name="楼长推荐")
    Tag.objects.create(community=other_site.community, name="别处标签")
    job = upload_job([person_row(new_id(), tags="楼长推荐"), person_row(new_id(), tags="别处标签")])
    assert job.errors == [{"row": 3, "column": "标签", "message": "标签“别处标签”不存在"}]


# --- owners --------------------------------------------------------------------------------------------------


def test_owner_row_adds_an_ownership_to_a_registered_person(site, upload_job, confirm):
    owner = site.people[0]
    household = site.households[5]
    people_before = Person.objects.count()
    job = upload_job(
        [person_row(owner.id_number, name=owner.name, unit="2单元", room=household.room, relation="产权人")]
    )
    assert (job.errors, job.valid_rows) == ([], 1)
    confirm(job)
    assert Ownership.objects.filter(person=owner, household=household).count() == 1
    assert Person.objects.count() == people_before
    owner.refresh_from_db()
    assert owner.household == site.households[0]  # where they live does not change
    assert AuditEvent.objects.filter(verb="ownership.import", after__person=owner.pk).count() == 1


def test_owner_row_with_another_name_is_refused(site, upload_job):
    owner = site.people[0]
    job = upload_job([person_row(owner.id_number, name="别人名", relation="产权人")])
    assert job.errors == [{"row": 2, "column": "姓名", "message": "姓名与已登记的身份证号不符"}]


def test_owner_who_lives_elsewhere_is_registered_without_a_household(site, upload_job, confirm):
    id_number = new_id()
    confirm(upload_job([person_row(id_number, relation="产权人", room="102")]))
    person = Person.objects.get(id_number=id_number)
    assert (person.relation, person.household_id) == (Relation.NONE, None)
    assert (person.place_path, person.grid_path) == (site.community.path, "")
    ownership = Ownership.objects.get(person=person)
    assert ownership.household == Household.objects.get(place=site.units[0], room="102")
    assert ownership.place_path == site.units[0].path


def test_owner_and_resident_rows_of_one_person(site, upload_job, confirm):
    id_number = new_id()
    job = confirm(
        upload_job(
            [
                person_row(id_number, relation="产权人", room="102"),
                person_row(id_number, relation="产权人", room="201"),
                person_row(id_number, building="2栋", relation="租户", tags="独居"),
            ]
        )
    )
    assert (job.errors, job.imported_rows) == ([], 3)
    person = Person.objects.get(id_number=id_number)
    assert person.relation == Relation.TENANT
    assert person.household == Household.objects.get(place=site.units[2], room="101")
    assert sorted(Ownership.objects.filter(person=person).values_list("household__room", flat=True)) == ["102", "201"]
    assert list(PersonTag.objects.filter(person=person).values_list("tag__name", flat=True)) == ["独居"]


def test_same_owner_twice_on_one_household_is_a_duplicate(upload_job):
    id_number = new_id()
    job = upload_job([person_row(id_number, relation="产权人"), person_row(id_number, relation="产权人")])
    assert job.errors == [{"row": 3, "column": "身份证号", "message": "与第2行重复"}]


# --- uploads and permissions ---------------------------------------------------------------------------------


def test_missing_column_is_one_clear_error(site, worker, settings):
    header = [h for h in HEADER if h not in ("身份证号", "房号")]
    with pytest.raises(ValidationFailed) as exc:
        import_job_create(
            actor=worker,
            community=site.community,
            target=site.community,
            upload=sheets.upload([["王五", "", "1栋", "1单元", "", "家庭成员", ""]], header),
        )
    assert exc.value.code == "missing_columns"
    assert str(exc.value.message) == "缺少必填列：身份证号、房号（第1行应为列名）"
    assert ImportJob.objects.count() == 0
    assert media_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("big.xlsx", b"PK\x03\x04" + b"0" * (10 * 1024 * 1024), "too_large", "文件不能超过10MB"),
        ("台账.xls", sheets.xlsx_bytes([]), "bad_type", "请上传 .xlsx 格式的Excel文件"),
        ("台账.xlsx", b"name,id\n", "bad_type", "请上传 .xlsx 格式的Excel文件"),
        ("台账.xlsx", b"PK\x03\x04not really a zip", "bad_type", "无法读取该Excel文件"),
    ],
    ids=["too-large", "wrong-extension", "not-a-zip", "broken-zip"],
)
def test_refused_uploads_save_nothing(site, worker, settings, name, content, code, message):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        import_job_create(
            actor=worker, community=site.community, target=site.community, upload=SimpleUploadedFile(name, content)
        )
    assert exc.value.code == code
    assert str(exc.value.message).startswith(message)
    assert ImportJob.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert media_files(settings) == []


def test_exactly_ten_megabytes_is_not_too_large(site, worker):
    with pytest.raises(ValidationFailed) as exc:
        import_job_create(
            actor=worker,
            community=site.community,
            target=site.community,
            upload=SimpleUploadedFile("a.xlsx", b"PK\x03\x04" + b"0" * (10 * 1024 * 1024 - 4)),
        )
    assert exc.value.code == "bad_type"  # past the size check, refused as a broken workbook


@pytest.mark.parametrize("who", ["other-community social worker", "building head", "grid worker"])
def test_who_cannot_create_an_import_job(site, staff, other_staff, settings, who):
    actor = {
        "other-community social worker": other_staff[Role.SOCIAL_WORKER],
        "building head": staff[Role.BUILDING_HEAD],
        "grid worker": staff[Role.GRID_WORKER],
    }[who]
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        import_job_create(
            actor=actor,
            community=site.community,
            target=site.buildings[0],
            upload=sheets.upload([person_row(new_id())]),
        )
    assert ImportJob.objects.count() == 0
    assert AuditEvent.objects.count() == events
    assert media_files(settings) == []


def test_secretary_can_import_into_a_building(site, staff, upload_job):
    job = upload_job([person_row(new_id())], actor=staff[Role.SECRETARY], target=site.buildings[0])
    assert (job.status, job.valid_rows, job.created_by) == (ImportStatus.VALIDATED, 1, staff[Role.SECRETARY])
    assert job.original_name == "台账.xlsx"
    assert job.file.name.endswith(".xlsx") and "台账" not in job.file.name


def test_confirm_needs_import_permission(staff, other_staff, upload_job, confirm):
    job = upload_job([person_row(new_id())])
    for actor in (staff[Role.BUILDING_HEAD], other_staff[Role.SECRETARY]):
        with pytest.raises(PermissionDenied):
            confirm(job, actor=actor)
        job.refresh_from_db()
        assert job.status == ImportStatus.VALIDATED
    with pytest.raises(ValidationFailed):
        confirm(job, mode="everything")


# --- the tasks -----------------------------------------------------------------------------------------------


def test_file_unreadable_at_validation_fails_the_job(site, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = import_job_create(
            actor=worker, community=site.community, target=site.community, upload=sheets.upload([person_row(new_id())])
        )
    with open(job.file.path, "wb") as damaged:
        damaged.write(b"PK\x03\x04 damaged after upload")
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.failure.startswith("无法读取该Excel文件")
    assert AuditEvent.objects.filter(verb="import_job.fail", object_id=str(job.pk)).exists()


def test_failure_midway_keeps_the_complete_batches(upload_job, confirm, monkeypatch):
    monkeypatch.setattr(background, "BATCH_ROWS", 2)
    ids = [new_id() for _ in range(5)]
    job = upload_job(
        [person_row(i, room=room) for i, room in zip(ids, ["101", "102", "201", "202", "101"], strict=True)]
    )
    assert job.valid_rows == 5
    original = writing.RowWriter.write
    calls = []

    def flaky(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            original(self, batch)
            raise RuntimeError("disk full")
        original(self, batch)

    monkeypatch.setattr(writing.RowWriter, "write", flaky)
    job = confirm(job)
    assert job.status == ImportStatus.FAILED
    assert "RuntimeError" in job.failure
    assert job.imported_rows == 2
    assert list(Person.objects.filter(id_number__in=ids).values_list("id_number", flat=True).order_by("id")) == ids[:2]
    assert AuditEvent.objects.filter(verb="person.import").count() == 2


def test_a_failed_job_does_not_keep_the_register_either(settings, upload_job, confirm, monkeypatch):
    """PIPL data minimisation: a failed job asks for a new upload, so the old one has no use left."""
    job = upload_job([person_row(new_id())])
    assert len(media_files(settings)) == 1

    def broken(self, batch):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing.RowWriter, "write", broken)
    job = confirm(job)
    assert job.status == ImportStatus.FAILED and "请核对后重新导入" in job.failure
    assert media_files(settings) == [] and not job.file


def test_import_rechecks_rows_against_the_database(site, upload_job, confirm):
    taken = new_id()
    job = upload_job([person_row(taken), person_row(new_id())])
    assert job.valid_rows == 2
    # Someone registers the first person by hand between validation and confirmation.
    factories.make_person(site.community, site.households[3], relation=Relation.MEMBER)
    Person.objects.filter(pk=Person.objects.latest("pk").pk).update(id_number=taken)
    job = confirm(job)
    assert job.status == ImportStatus.DONE
    assert (job.valid_rows, job.imported_rows) == (1, 1)
    assert job.errors == [{"row": 2, "column": "身份证号", "message": "该身份证号已在本社区登记"}]
    assert Person.objects.filter(id_number=taken).count() == 1


def test_validation_reports_progress(upload_job, monkeypatch):
    monkeypatch.setattr(checking, "PROGRESS_EVERY", 2)
    with queries() as ctx:
        job = upload_job([person_row(new_id(), room=r) for r in ("101", "102", "201", "202", "101")])
    assert job.processed_rows == job.total_rows == 5
    progress_updates = [
        q for q in ctx.captured_queries if q["sql"].startswith('UPDATE "people_importjob" SET "processed_rows"')
    ]
    assert len(progress_updates) == 3  # at 0, 2 and 4 rows read


def test_uploaded_register_is_deleted_once_the_job_ends(settings, upload_job, confirm):
    done = upload_job([person_row(new_id())])
    assert len(media_files(settings)) == 1
    done = confirm(done)
    assert done.status == ImportStatus.DONE
    assert media_files(settings) == [] and not done.file
    cancelled = confirm(upload_job([person_row(new_id(), room="102")]), mode="nothing")
    assert cancelled.status == ImportStatus.CANCELLED
    assert media_files(settings) == []


def test_an_import_whose_worker_died_resumes_without_writing_a_row_twice(
    upload_job, worker, django_capture_on_commit_callbacks, monkeypatch
):
    """The worker is killed after the first batch committed (a KeyboardInterrupt is not caught, as a kill is not);
    core.task_recovery runs the task again, and the job ends as if it had never stopped."""
    monkeypatch.setattr(background, "BATCH_ROWS", 2)
    ids = [new_id() for _ in range(5)]
    job = upload_job([person_row(i, room=r) for i, r in zip(ids, ["101", "102", "201", "202", "101"], strict=True)])
    with django_capture_on_commit_callbacks(execute=False):
        import_job_confirm(actor=worker, job=job, mode="valid_only")
    original = writing.RowWriter.write
    calls = []

    def killed_after_first_batch(self, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise KeyboardInterrupt
        original(self, batch)

    monkeypatch.setattr(writing.RowWriter, "write", killed_after_first_batch)
    with pytest.raises(KeyboardInterrupt):
        background.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.IMPORTING, 2)

    monkeypatch.setattr(writing.RowWriter, "write", original)
    job = background.import_job_run(job_id=job.pk)
    assert job.status == ImportStatus.DONE
    assert (job.valid_rows, job.imported_rows, job.errors) == (5, 5, [])
    assert list(Person.objects.filter(id_number__in=ids).values_list("id_number", flat=True).order_by("id")) == ids
    assert AuditEvent.objects.filter(verb="person.import").count() == 5
