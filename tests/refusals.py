"""The one way tests assert a refusal (docs/ARCHITECTURE.md "Scoping", STYLE.md item 6).

- `assert_refused(response, 404)`: the object is outside the user's scope; the answer is the same 404 as a missing id
  (from the API, the `not_found` code);
- `assert_refused(response, 403)`: the user sees the object or the community but may not act on it (from the API,
  a code and a message);
- `assert_anonymous_refused(response, api=...)`: no session; a page sends to /login/ (302), the API answers 401
  `not_authenticated`.
"""

from __future__ import annotations

from typing import Any

REFUSALS = (403, 404)


def _json(response: Any) -> dict[str, Any] | None:
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    body = response.json()
    return body if isinstance(body, dict) else None


def assert_refused(response: Any, status: int, context: object = "") -> None:
    """The answer is exactly `status`, which must be 403 (visible, not allowed) or 404 (invisible)."""
    assert status in REFUSALS, f"a refusal is 403 or 404, not {status} {context}"
    assert response.status_code == status, (context, f"expected {status}, got {response.status_code}")
    body = _json(response)
    if body is not None:  # the API's error shape: {code, message, extra}
        assert body.get("code") and body.get("message"), (context, body)
        if status == 404:
            assert body["code"] == "not_found", (context, body)


def assert_anonymous_refused(response: Any, *, api: bool, context: object = "") -> None:
    """No session: a page redirects to the login page, the API answers 401 not_authenticated."""
    if api:
        assert response.status_code == 401, (context, response.status_code)
        assert response.json()["code"] == "not_authenticated", (context, response.content)
    else:
        assert response.status_code == 302, (context, response.status_code)
        assert response["Location"].startswith("/login/"), (context, response["Location"])
