"""Login, preferences, the landing redirect and a resident's own data (PIPL Arts. 44–46)."""

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.core.auth import user_login_attempt
from gongzhi.core.errors import ApplicationError, LoginThrottled
from gongzhi.core.forms import LoginForm, PasswordForm
from gongzhi.core.http import actor_of
from gongzhi.core.login_listing import login_rows
from gongzhi.core.middleware import LARGE_FONT_COOKIE, SUPPORTED
from gongzhi.core.pages import message_call
from gongzhi.core.services import user_change_password, user_set_preferences
from gongzhi.places.predicates import can_view_places_anywhere, street_ids
from gongzhi.places.selectors import communities_for


def _next_url(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = user_login_attempt(
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
        except LoginThrottled as exc:
            error, status = exc.message, exc.status
        except ApplicationError as exc:
            error = exc.message
        else:
            login(request, user, backend="gongzhi.core.auth.PhoneBackend")
            if user.must_change_password:
                messages.info(request, _("这是工作人员为您开设的账号，请先修改密码"))
                return redirect("core:password")
            return HttpResponseRedirect(_next_url(request, "/"))
    demo_logins = login_rows() if settings.DEMO_MODE else []
    return render(
        request,
        "core/login.html",
        {"form": form, "error": error, "demo_logins": demo_logins, "next": _next_url(request, "")},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("core:login")


YEAR = 365 * 86400


@require_POST
def preferences_view(request: HttpRequest) -> HttpResponse:
    """Large-font mode and language: stored on the account, or in a cookie before login."""
    large_font = {"1": True, "0": False}.get(request.POST.get("large_font", ""))
    language = request.POST.get("language")
    if language not in SUPPORTED:
        language = None
    response = HttpResponseRedirect(_next_url(request, "/"))
    if request.user.is_authenticated:
        user_set_preferences(actor=actor_of(request), large_font=large_font, language=language)
    # Read by the server only; over HTTPS (GONGZHI_HTTPS=1) never sent in clear text.
    secure = bool(settings.LANGUAGE_COOKIE_SECURE)
    if large_font is not None:
        value = "1" if large_font else "0"
        response.set_cookie(LARGE_FONT_COOKIE, value, max_age=YEAR, samesite="Lax", httponly=True, secure=secure)
    if language:
        name = settings.LANGUAGE_COOKIE_NAME
        response.set_cookie(name, language, max_age=YEAR, samesite="Lax", httponly=True, secure=secure)
    return response


def home_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("places:directory")
    streets = street_ids(request.user)
    if streets:
        return redirect("places:street_home", street_id=streets[0])
    # Residents and volunteers start from their own data; staff from their community.
    communities = communities_for(actor=request.user) if can_view_places_anywhere(request.user) else []
    if communities:
        return redirect("places:community_home", community_id=communities[0].pk)
    return redirect("core:me")


@login_required
def password_view(request: HttpRequest) -> HttpResponse:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_change_password(
            actor=actor_of(request),
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
        )
        login(request, user, backend="gongzhi.core.auth.PhoneBackend")
        messages.success(request, _("密码已修改"))
        return redirect("core:home")
    return render(request, "core/password.html", {"form": form})


def my_data_payload(user: Any) -> dict[str, Any]:
    from gongzhi.people.selectors import my_persons
    from gongzhi.places.selectors import path_label, place_names

    records = []
    for person in my_persons(actor=user):
        names = place_names(community=person.community)
        records.append(
            {
                "community": person.community.name,
                "name": person.name,
                "sex": person.get_sex_display(),
                "birth_date": person.birth_date.isoformat(),
                "id_number": person.id_number,
                "phone": person.phone,
                "household": path_label(
                    person.place_path, names, person.community, person.household.room if person.household else ""
                ),
                "relation": person.get_relation_display(),
                "tags": [t.name for t in person.tags.all()],
                "person_id": person.pk,
            }
        )
    return {
        "account": {
            "phone": user.phone,
            "display_name": user.display_name,
            "date_joined": user.date_joined.isoformat(),
        },
        "records": records,
    }


@login_required
def my_data_view(request: HttpRequest) -> HttpResponse:
    from gongzhi.people.services import CORRECTABLE_FIELDS

    payload = my_data_payload(request.user)
    return render(request, "core/me.html", {"payload": payload, "fields": CORRECTABLE_FIELDS})


@login_required
def my_tokens_view(request: HttpRequest) -> HttpResponse:
    """The account's API tokens: name, prefix, dates and state; the secret itself is shown only when issued."""
    from django.utils import timezone

    from gongzhi.core.selectors import api_token_list

    now = timezone.now()
    tokens = [(t, t.is_live(now)) for t in api_token_list(actor=actor_of(request))]
    return render(request, "core/tokens.html", {"tokens": tokens, "now": now})


@login_required
@require_POST
def my_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    from gongzhi.core.selectors import api_token_get
    from gongzhi.core.services import api_token_revoke

    token = api_token_get(actor=actor_of(request), id=token_id)
    if message_call(request, api_token_revoke, actor=actor_of(request), token=token):
        messages.success(request, _("令牌 %(prefix)s… 已撤销") % {"prefix": token.prefix})
    return redirect("core:me_tokens")


@login_required
def my_data_export_view(request: HttpRequest) -> HttpResponse:
    body = json.dumps(my_data_payload(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@login_required
@require_POST
def my_correction_view(request: HttpRequest) -> HttpResponse:
    from gongzhi.people.selectors import my_persons
    from gongzhi.people.services import correction_request_create

    person_id = request.POST.get("person_id", "")
    person = my_persons(actor=actor_of(request)).filter(pk=int(person_id) if person_id.isdigit() else 0).first()
    if person is None:
        messages.error(request, _("未找到该记录，或您无权查看"))
        return redirect("core:me")
    if message_call(
        request,
        correction_request_create,
        actor=actor_of(request),
        person=person,
        field=request.POST.get("field", ""),
        proposed=request.POST.get("proposed", ""),
        reason=request.POST.get("reason", ""),
    ):
        messages.success(request, _("更正申请已提交，工作人员处理后会更新您的信息"))
    return redirect("core:me")
