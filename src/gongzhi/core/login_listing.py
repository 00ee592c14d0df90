"""What the login page lists under its form in demo mode: rows a demo registers at start-up.

The demo app (gongzhi.demo) registers its provider in its AppConfig.ready, so that core never imports the demo;
without a provider the list is empty. The page asks only when settings.DEMO_MODE is on (the one switch, which
tests flip at run time), so production never runs a provider."""

from __future__ import annotations

from collections.abc import Callable

# One row per account: role_label, phone, password, community, note (core/login.html shows them).
LoginRow = dict[str, str]

PROVIDERS: list[Callable[[], list[LoginRow]]] = []


def login_rows_provide(provider: Callable[[], list[LoginRow]]) -> None:
    """Registers `provider` once (a second registration of the same function is ignored)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def login_rows() -> list[LoginRow]:
    return [row for provider in PROVIDERS for row in provider()]
