"""Resident register pages: list, detail with logged reveals, accounts, 台账 import and export, corrections.

Each view: `community_page` (actor and community, 404 outside scope) → the page's predicate (403) → selectors →
one service → `render_page`."""

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
from gongzhi.core.models import User
from gongzhi.core.pages import community_page, form_call, message_call, page_context, render_page
from gongzhi.core.pagination import CachedCountPaginator, count_key
from gongzhi.people import exporting, selectors, services
from gongzhi.people.forms import AccountForm, ImportUploadForm, PersonFilterForm, PersonForm, TagForm
from gongzhi.people.importing.jobs import import_job_confirm, import_job_create
from gongzhi.people.models import CorrectionRequest, Person, SensitiveAs, Tag
from gongzhi.people.predicates import (
    can_change_people,
    can_create_accounts,
    can_export_people,
    can_handle_corrections,
    can_import,
    can_manage_tags,
    can_reveal_in,
    can_view_people,
    revealable_kinds,
)
from gongzhi.places import selectors as place_selectors
from gongzhi.places.models import Place
from gongzhi.places.views import PAGE_SIZE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered_people(
    request: HttpRequest, actor: User, community: Place
) -> tuple[QuerySet[Person], PersonFilterForm, list[Tag]]:
    """The list's filters (parse), then the list (selector); a sensitive tag filter is a logged view."""
    form = PersonFilterForm(request.GET or None)
    tags = selectors.tag_list(actor=actor, community=community)
    place = tag = None
    if form.is_valid():
        if form.cleaned_data.get("place"):
            place = place_selectors.place_get(actor=actor, community=community, place_id=form.cleaned_data["place"])
        if form.cleaned_data.get("tag"):
            tag = next((t for t in tags if t.pk == form.cleaned_data["tag"]), None)
            if tag is None:
                raise NotFound()
            if tag.sensitive_as:
                # The filtered list tells exactly who carries the tag: a full view of it.
                services.sensitive_view_log(
                    actor=actor,
                    community_id=community.pk,
                    fields=[f"filter:{tag.sensitive_as}"],
                    object_type="people.person_list",
                    object_id=str(tag.pk),
                    purpose=_("按敏感标签筛选"),
                )
    people = selectors.person_list(
        actor=actor,
        community=community,
        q=form.cleaned_data.get("q", "") if form.is_valid() else "",
        place=place,
        tag=tag,
        include_non_residents=bool(form.is_valid() and form.cleaned_data.get("owners")),
    )
    return people, form, tags


@login_required
def person_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_view_people(actor, community):
        raise PermissionDenied()
    people, form, tags = _filtered_people(request, actor, community)
    query = request.GET.copy()
    query.pop("page", None)
    key = count_key(actor=actor, community_id=community.pk, filters=query.urlencode())
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
    context = page_context(
        request,
        community,
        page=page,
        rows=rows,
        form=form,
        tags=tags,
        query=query.urlencode(),
        can_export=can_export_people(actor, community),
        can_party=can_reveal_in(actor, community, "party"),
    )
    return render_page(request, "people/person_list.html", context, fragment="people/_person_rows.html")


@login_required
def person_detail(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    tag_view = selectors.person_tags(actor=actor, person=person)
    names = place_selectors.place_names(community=community)
    context = page_context(
        request,
        community,
        person=person,
        tags=tag_view.plain,
        sensitive_categories=[(c, SensitiveAs(c).label) for c in tag_view.categories],
        label=place_selectors.path_label(
            person.place_path, names, community, person.household.room if person.household else ""
        ),
        revealable=revealable_kinds(actor, community),
        account_form=AccountForm(),
        can_account=can_create_accounts(actor, community) and not person.account_id,
    )
    return render_page(request, "people/person_detail.html", context)


@login_required
@require_POST
def person_reveal(request: HttpRequest, community_id: int, person_id: int, field: str) -> HttpResponse:
    actor, community = community_page(request, community_id)
    person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    value = services.person_reveal(actor=actor, person=person, field=field, purpose=request.POST.get("purpose", ""))
    return render(request, "people/_revealed.html", {"value": value, "field": field})


@login_required
@require_POST
def person_account(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    if not can_create_accounts(actor, community):
        raise PermissionDenied()
    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("初始密码至少8位"))
    elif message_call(
        request, services.person_account_create, actor=actor, person=person, password=form.cleaned_data["password"]
    ):
        messages.success(request, _("账号已开通，居民首次登录须修改密码"))
    return redirect("people:detail", community_id=community.pk, person_id=person.pk)


def _xlsx(body: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.localdate():%Y%m%d}.xlsx"'
    return response


@login_required
def person_export(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_export_people(actor, community):
        raise PermissionDenied()
    people, _form, _tags = _filtered_people(request, actor, community)
    return _xlsx(exporting.people_workbook(actor=actor, community=community, people=people), "residents")


@login_required
def household_export(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_export_people(actor, community):
        raise PermissionDenied()
    households = place_selectors.household_list(actor=actor, place=community)
    return _xlsx(exporting.households_workbook(actor=actor, community=community, households=households), "households")


@login_required
def party_export(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    return _xlsx(exporting.party_members_workbook(actor=actor, community=community), "party-members")


@login_required
def import_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_import(actor, community):
        raise PermissionDenied()
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    targets = place_selectors.import_targets(actor=actor, community=community)
    error = None
    if request.method == "POST":
        if form.is_valid():
            target = next((t for t in targets if t.pk == form.cleaned_data["target"]), None)
            if target is None:
                raise NotFound()
            # The page shows any refusal of the upload in its one error box, not on a form field.
            try:
                job = import_job_create(
                    actor=actor, community=community, target=target, upload=form.cleaned_data["file"]
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                return redirect("people:import_detail", community_id=community.pk, job_id=job.pk)
        else:
            error = "；".join(str(e) for errors in form.errors.values() for e in errors)
    jobs = selectors.import_job_list(actor=actor, community=community)
    context = page_context(request, community, form=form, targets=targets, error=error, jobs=jobs)
    return render_page(request, "people/import_list.html", context)


@login_required
def import_detail(request: HttpRequest, community_id: int, job_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    job = selectors.import_job_get(actor=actor, community=community, job_id=job_id)
    context = page_context(request, community, job=job, errors=job.errors[:500])
    return render_page(request, "people/import_detail.html", context, fragment="people/_import_status.html")


@login_required
@require_POST
def import_confirm(request: HttpRequest, community_id: int, job_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    job = selectors.import_job_get(actor=actor, community=community, job_id=job_id)
    import_job_confirm(actor=actor, job=job, mode=request.POST.get("mode", ""))
    return redirect("people:import_detail", community_id=community.pk, job_id=job.pk)


@login_required
def correction_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_handle_corrections(actor, community):
        raise PermissionDenied()
    if request.method == "POST":
        correction = (
            selectors.correction_list(actor=actor, community=community)
            .filter(pk=request.POST.get("request_id") or 0)
            .first()
        )
        if correction is None:
            raise NotFound()
        if message_call(
            request,
            services.correction_handle,
            actor=actor,
            request=correction,
            accept=request.POST.get("decision") == "accept",
            response=request.POST.get("response", ""),
        ):
            messages.success(request, _("已处理"))
        return redirect("people:corrections", community_id=community.pk)
    items: list[CorrectionRequest] = list(selectors.correction_list(actor=actor, community=community))
    return render_page(request, "people/corrections.html", page_context(request, community, items=items))


@login_required
def person_tags(request: HttpRequest, community_id: int, person_id: int) -> HttpResponse:
    """The tag editor. Opening it shows the person's sensitive tags, so that view is logged; saving keeps the
    sensitive tags hidden from the editor's role as they were."""
    actor, community = community_page(request, community_id)
    person = selectors.person_get(actor=actor, community=community, person_id=person_id)
    if not can_change_people(actor, community):
        raise PermissionDenied()
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
    context = page_context(
        request,
        community,
        person=person,
        partial_view=tag_view.partial,
        choices=[(t, t.pk in current) for t in visible.values()],
    )
    return render_page(request, "people/person_tags.html", context)


@login_required
def household_register(request: HttpRequest, community_id: int, household_id: int) -> HttpResponse:
    """Registers a resident in a household (counter or door-to-door entry by staff)."""
    actor, community = community_page(request, community_id)
    household = place_selectors.household_get(actor=actor, community=community, household_id=household_id)
    if not can_change_people(actor, community):
        raise PermissionDenied()
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = form_call(
            form, services.person_create, actor=actor, community=community, household=household, **form.cleaned_data
        )
        if person is not None:
            messages.success(request, _("已登记"))
            return redirect("people:detail", community_id=community.pk, person_id=person.pk)
    return render_page(
        request, "people/register.html", page_context(request, community, form=form, household=household)
    )


@login_required
def tag_list(request: HttpRequest, community_id: int) -> HttpResponse:
    actor, community = community_page(request, community_id)
    if not can_manage_tags(actor, community):
        raise PermissionDenied()
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The page has one error line, under the name: every refusal goes there, a category refused to the role too.
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
    tags = selectors.tag_list(actor=actor, community=community)
    return render_page(request, "people/tags.html", page_context(request, community, form=form, tags=tags))
