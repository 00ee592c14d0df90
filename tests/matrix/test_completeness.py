"""Every URL pattern and every ninja operation (per method) has a permission-matrix case, or a reason in EXEMPT;
and every case fills all four cells (anonymous, another community, a lower role, the allowed role) or says why a cell
cannot exist."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.api import api
from tests.matrix.cases import CASES
from tests.refusals import REFUSALS

# Routes without a matrix case, each with its reason. Public routes among them are checked anonymously in
# tests/matrix/test_public.py.
EXEMPT: dict[str, str] = {
    "core:login": "the login page itself: public by definition (tests/core/test_auth.py)",
    "core:logout": "ends whatever session there is; nothing to refuse",
    "api:openapi-json": "the OpenAPI schema: public description of the API, no data",
    "api:openapi-view": "the API docs page: public, no data",
    "api:api-root": "ninja's root: no operation",
    "open311:discovery": "Open311 is a public standard interface (tests/voices/test_open311*.py)",
    "open311:services": "Open311 public endpoint",
    "open311:service": "Open311 public endpoint",
    "open311:requests": "Open311 public endpoint: public voices only, a key for POST",
    "open311:request": "Open311 public endpoint: public voices only",
    "open311:token": "Open311 public endpoint",
    "open311:unknown_xml": "Open311's error answer for an unknown path",
    "open311:unknown": "Open311's error answer for an unknown path",
    "core:healthz": "the health check: public by design, no data, no session (tests/core/test_health.py)",
    "bench_bare": "only with BENCH_MODE: a bare response for the benchmark",
}
# Lower cells whose answer is not a permission refusal (403/404) but a business one, each with its reason.
NOT_A_PERMISSION: dict[str, str] = {
    "api:session_signup[post]": "a resident who is not a registered volunteer is told so (400 not_volunteer), as "
    "every non-volunteer of the community is",
}
EXEMPT_PREFIXES = {"admin:": "Django's admin: staff-only, scoped read-only admins are tested in tests/*/test_admin.py"}


def _names(patterns, namespace: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield namespace + (p.name or f"<unnamed {p.pattern}>")


def _operations():
    """(url_name, method) of every ninja operation, from the API's routers rather than the URL patterns."""
    for prefix, router in api._routers:  # ninja keeps its routers there
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield (
                        f"api:{operation.view_func.__name__}",
                        method.lower(),
                        "/api/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/")),
                    )


def _exempt(name: str) -> bool:
    return name in EXEMPT or any(name.startswith(p) for p in EXEMPT_PREFIXES)


def test_every_url_pattern_has_a_case():
    covered = {case.route for case in CASES}
    missing = sorted({n for n in _names(get_resolver().url_patterns) if n not in covered and not _exempt(n)})
    assert not missing, "routes without a permission-matrix case: " + ", ".join(missing)


def test_every_ninja_operation_has_a_case():
    covered = {(case.route, case.method) for case in CASES}
    missing = sorted(
        f"{method.upper()} {path} ({name})"
        for name, method, path in _operations()
        if (name, method) not in covered and not _exempt(name)
    )
    assert not missing, "API operations without a permission-matrix case: " + ", ".join(missing)


def test_exemptions_name_real_routes():
    names = set(_names(get_resolver().url_patterns))
    stale = sorted(n for n in EXEMPT if n not in names and n != "bench_bare")
    assert not stale, "exempt routes that no longer exist: " + ", ".join(stale)


def test_cases_name_real_routes():
    names = set(_names(get_resolver().url_patterns))
    assert not sorted(c.route for c in CASES if c.route not in names)


def test_every_case_fills_its_four_cells():
    """Anonymous and another community always run; the lower and allowed cells exist or say why they cannot."""
    gaps = []
    for case in CASES:
        if (case.lower is None) == (not case.no_lower):
            gaps.append(f"{case.id}: a lower role (lower=, refused=) or the reason it has none (no_lower=)")
        if case.allowed is None and not case.no_allowed:
            gaps.append(f"{case.id}: the allowed role (allowed=, ok=) or the reason it has none (no_allowed=)")
        if case.allowed is not None and (case.ok is None or case.no_allowed):
            gaps.append(f"{case.id}: an allowed role needs its answer (ok=) and no no_allowed=")
    assert not gaps, "matrix cases with a missing cell:\n" + "\n".join(gaps)


def test_every_route_and_operation_has_all_four_cells():
    """Per URL name (and per method for an API operation), the cases together cover the four cells."""
    cells: dict[tuple[str, str], set[str]] = {}
    for case in CASES:
        key = (case.route, case.method if case.is_api else "*")
        got = cells.setdefault(key, set())
        got |= {"anonymous", "other"}
        got |= {"lower"} if case.lower is not None or case.no_lower else set()
        got |= {"allowed"} if case.allowed is not None or case.no_allowed else set()
    short = sorted(
        f"{r} {m}: {sorted({'anonymous', 'other', 'lower', 'allowed'} - c)}"
        for (r, m), c in cells.items()
        if len(c) < 4
    )
    assert not short, "routes missing a matrix cell: " + ", ".join(short)


def test_refusals_are_403_or_404():
    """A lower role or another community is refused with exactly 403 or 404 (docs/ARCHITECTURE.md, "Scoping");
    another answer is allowed only where the page is street-wide (other) or listed in NOT_A_PERMISSION (lower)."""
    wrong = sorted(
        case.id
        for case in CASES
        if case.lower is not None and case.refused not in REFUSALS and case.id not in NOT_A_PERMISSION
    )
    assert not wrong, "lower-role refusals that are neither 403 nor 404: " + ", ".join(wrong)
    assert set(NOT_A_PERMISSION) <= {case.id for case in CASES}
