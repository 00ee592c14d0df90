"""Every URL pattern and every ninja operation has a permission-matrix case, or a reason in EXEMPT."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.api import api
from tests.matrix.cases import CASES

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
    "bench_bare": "only with BENCH_MODE: a bare response for the benchmark",
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
