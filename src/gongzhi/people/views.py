"""Resident register pages: list, detail with logged reveals, accounts, 台账 import and export, corrections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.errors import ApplicationError, NotFound, PermissionDenied
from gongzhi.core.http import actor_of
from gongzhi.core.pages import page_context
from gongzhi.core.pagination import CachedCountPaginator, count_key
from gongzhi.core.permissions import REVEAL_ACTIONS, Action
from gongzhi.core.scoping import user_can
from gongzhi.people import exporting, selectors, services
from gongzhi.people.forms import AccountForm, ImportUploadForm, PersonFilterForm, PersonForm, TagForm
from gongzhi.people.importing.jobs import import_job_confirm, import_job_create
from gongzhi.people.models import CorrectionRequest, Person, SensitiveAs, Tag
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.places.views import PAGE_SIZE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request: HttpRequest, action: Action, community: Place) -> None:
    if not user_can(actor_of(request), action, community):
        raise PermissionDenied()


def _filtered_people(request: HttpRequest, community: Place) -> tuple[QuerySet[Person], PersonFilterForm, list[Tag]]:
    form = PersonFilterForm(request.GET or None)
    tags = selectors.tag_list(actor=actor_of(request), community=community)
    place = tag = None
    if form.is_valid():
        if form.cleaned_data.get("place"):
            place = place_selectors.place_get(
                actor=actor_of(request), community=community, place_id=form.cleaned_data["place"]
            )
        if form.cleaned_data.get("tag"):
            tag = next((t for t in tags if t.pk == form.cleaned_data["tag"]), None)
            if tag is None:
                raise NotFound()
            if tag.sensitive_as:
                # The filtered list tells exactly who carries the tag: a full view of it.
                services.sensitive_view_log(
                    actor=actor_of(request),
                    community_id=community.pk,
                    fields=[f"filter:{tag.sensitive_as}"],
                    object_type="people.person_list",
                    object_id=str(tag.pk),
                    purpose=_("按敏感标签筛选"),
                )
    people = selectors.person_list(
        actor=actor_of(request),
        community=community,
        q=form.cleaned_data.get("q", "") if form.is_valid() else "",
        place=place,
        tag=tag,
        include_non_residents=bool(form.is_valid() and form.cleaned_data.get("owners")),
    )
    return people, form, tags


@login_required
def person_list(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    _require(request, Action.PERSON_VIEW, community)
    people, form, tags = _filtered_people(request, community)
    query = request.GET.copy()
    query.pop("page", None)
    key = count_key(actor=actor_of(request), community_id=community.pk, filters=query.urlencode())
    page = CachedCountPaginator(people, PAGE_SIZE, key=key).get_page(request.GET.get("page"))
    names = place_selectors.place_names(community=community)
    base = reverse("people:list", args=[community.pk])
    rows = [
        {
            "url": f"{base}{p.pk}/",
            "name": p.masked_name,
            "sex": p.get_sex_display(),
            "where": place_selectors.path_label(
                p.place_path, names, community, p.household.room if p.household else ""
            ),
            "id_number": p.masked_id_number,
            "phone": p.masked_phone or "—",
        }
        for p in page
    ]
    context = {
        **page_context(request, community),
        "page": page,
        "rows": rows,
        "form": form,
        "tags": tags,
        "query": query.urlencode(),
        "can_export": user_can(request.user, Action.PERSON_EXPORT, community),
        "can_party": user_can(request.user, Action.REVEAL_PARTY, community),
    }
    template = "people/_person_rows.html" if request.headers.get("HX-Request") else "people/person_list.html"
    return render(request, template, context)


@login_required
def person_detail(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    person = selectors.person_get(actor=actor_of(request), community=community, person_id=person_id)
    tag_view = selectors.person_tags(actor=actor_of(request), person=person)
    names = place_selectors.place_names(community=community)
    revealable = {field: user_can(request.user, action, community) for field, action in REVEAL_ACTIONS.items()}
    return render(
        request,
        "people/person_detail.html",
        {
            **page_context(request, community),
            "person": person,
            "tags": tag_view.plain,
            "sensitive_categories": [(c, SensitiveAs(c).label) for c in tag_view.categories],
            "label": place_selectors.path_label(
                person.place_path, names, community, person.household.room if person.household else ""
            ),
            "revealable": revealable,
            "can_change": user_can(actor_of(request), Action.PERSON_CHANGE, community),
            "account_form": AccountForm(),
            "can_account": user_can(request.user, Action.ACCOUNT_CREATE, community) and not person.account_id,
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, community_id: int, person_id: int, field: str) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    person = selectors.person_get(actor=actor_of(request), community=community, person_id=person_id)
    value = services.person_reveal(
        actor=actor_of(request), person=person, field=field, purpose=request.POST.get("purpose", "")
    )
    return render(request, "people/_revealed.html", {"value": value, "field": field})


@login_required
@require_POST
def person_account(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    person = selectors.person_get(actor=actor_of(request), community=community, person_id=person_id)
    _require(request, Action.ACCOUNT_CREATE, community)
    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("初始密码至少8位"))
    else:
        try:
            services.person_account_create(
                actor=actor_of(request), person=person, password=form.cleaned_data["password"]
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("账号已开通，居民首次登录须修改密码"))
    return redirect("people:detail", community_id=community.pk, person_id=person.pk)


def _xlsx(body: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
def person_export(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    _require(request, Action.PERSON_EXPORT, community)
    people, _form, _tags = _filtered_people(request, community)
    return _xlsx(exporting.people_workbook(actor=actor_of(request), community=community, people=people), "residents")


@login_required
def household_export(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    _require(request, Action.PERSON_EXPORT, community)
    households = place_selectors.household_list(actor=actor_of(request), place=community)
    return _xlsx(
        exporting.households_workbook(actor=actor_of(request), community=community, households=households), "households"
    )


@login_required
def party_export(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    return _xlsx(exporting.party_members_workbook(actor=actor_of(request), community=community), "party-members")


@login_required
def import_list(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    _require(request, Action.PERSON_IMPORT, community)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    targets = place_selectors.import_targets(actor=actor_of(request), community=community)
    error = None
    if request.method == "POST":
        if form.is_valid():
            target = next((t for t in targets if t.pk == form.cleaned_data["target"]), None)
            if target is None:
                raise NotFound()
            try:
                job = import_job_create(
                    actor=actor_of(request), community=community, target=target, upload=form.cleaned_data["file"]
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                return redirect("people:import_detail", community_id=community.pk, job_id=job.pk)
        else:
            error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    return render(
        request,
        "people/import_list.html",
        {
            **page_context(request, community),
            "form": form,
            "targets": targets,
            "error": error,
            "jobs": selectors.import_job_list(actor=actor_of(request), community=community),
        },
    )


@login_required
def import_detail(request: HttpRequest, community_id: int, job_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    job = selectors.import_job_get(actor=actor_of(request), community=community, job_id=job_id)
    context = {**page_context(request, community), "job": job, "errors": job.errors[:500]}
    template = "people/_import_status.html" if request.headers.get("HX-Request") else "people/import_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def import_confirm(request: HttpRequest, community_id: int, job_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    job = selectors.import_job_get(actor=actor_of(request), community=community, job_id=job_id)
    import_job_confirm(actor=actor_of(request), job=job, mode=request.POST.get("mode", ""))
    return redirect("people:import_detail", community_id=community.pk, job_id=job.pk)


@login_required
def correction_list(request: HttpRequest, community_id: int) -> HttpResponse:
    community = place_selectors.community_get(actor=actor_of(request), community_id=community_id)
    _require(request, Action.CORRECTION_HANDLE, community)
    if request.method == "POST":
        correction = (
            selectors.correction_list(actor=actor_of(request), community=community)
            .filter(pk=request.POST.get("request_id") or 0)
            .first()
        )
        if correction is None:
            raise NotFound()
        try:
            services.correction_handle(
                actor=actor_of(request),
                request=correction,
                accept=request.POST.get("decision") == "accept",
                response=request.POST.get("response", ""),
            )
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("已处理"))
        return redirect("people:corrections", community_id=community.pk)
    items: list[CorrectionRequest] = list(selectors.correction_list(actor=actor_of(request), community=community))
    return render(request, "people/corrections.html", {**page_context(request, community), "items": items})


@login_required
def person_tags(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    """The tag editor. Opening it shows the person's sensitive tags, so that view is logged; saving keeps the
    sensitive tags hidden from the editor's role as they were."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    _require(request, Action.PERSON_CHANGE, community)
    visible = {t.pk: t for t in selectors.tag_list(actor=actor, community=community)}
    tag_view = selectors.person_tags(actor=actor, person=person)
    if request.method == "POST":
        chosen = [visible[int(pk)] for pk in request.POST.getlist("tags") if pk.isdigit() and int(pk) in visible]
        seen = {t.pk for t in tag_view.plain + tag_view.sensitive}
        hidden = [pt.tag for pt in person.person_tags.select_related("tag") if pt.tag_id not in seen]
        services.person_set_tags(actor=actor, person=person, tags=chosen + hidden)
        messages.success(request, _("标签已更新"))
        return redirect("people:detail", community_id=community.pk, person_id=person.pk)
    services.sensitive_view_log(
        actor=actor,
        community_id=community.pk,
        fields=tag_view.categories,
        object_type="people.person",
        object_id=str(person.pk),
        purpose=_("编辑标签"),
    )
    current = {t.pk for t in tag_view.plain + tag_view.sensitive}
    return render(
        request,
        "people/person_tags.html",
        {
            **page_context(request, community),
            "person": person,
            "partial_view": tag_view.partial,
            "choices": [(t, t.pk in current) for t in visible.values()],
        },
    )


@login_required
def household_register(request: HttpRequest, community_id: int, household_id: int) -> HttpResponse:
    """Registers a resident in a household (counter or door-to-door entry by staff)."""
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    household = place_selectors.household_get(actor=actor, community=community, household_id=household_id)
    _require(request, Action.PERSON_CHANGE, community)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=actor, community=community, household=household, **form.cleaned_data)
        except ApplicationError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("已登记"))
            return redirect("people:detail", community_id=community.pk, person_id=person.pk)
    return render(
        request,
        "people/register.html",
        {**page_context(request, community), "form": form, "household": household},
    )


@login_required
def tag_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor = actor_of(request)
    community = place_selectors.community_get(actor=actor, community_id=community_id)
    _require(request, Action.ADMIN, community)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tag_create(
                actor=actor,
                community=community,
                name=form.cleaned_data["name"],
                sensitive_as=form.cleaned_data["sensitive_as"],
            )
        except ApplicationError as exc:
            form.add_error("name", str(exc.message))
        else:
            messages.success(request, _("标签已添加"))
            return redirect("people:tags", community_id=community.pk)
    return render(
        request,
        "people/tags.html",
        {
            **page_context(request, community),
            "form": form,
            "tags": selectors.tag_list(actor=actor, community=community),
        },
    )
