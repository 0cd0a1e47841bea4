"""The error codes the Python SDK and worker use, with the HTTP status the hub answers with.

Every code is defined here and only here, so that this module can later read the hub's shared error-code
registry (a JSON data file) instead of listing them; nothing else in the package spells a code.
The statuses mirror ``src/sdk/errors.ts`` and the hub's list of codes an app may report; the hub, not the
app, decides the status it answers with (``docs/runtime-protocol.md``).
"""

from __future__ import annotations

from typing import Final

LOGIN_REQUIRED: Final = "login_required"
INTEGRATION_NOT_FOUND: Final = "integration_not_found"
INTEGRATION_NOT_ASSIGNED: Final = "integration_not_assigned"
PROVIDER_UNAVAILABLE: Final = "provider_unavailable"
PROVIDER_HTTP_ERROR: Final = "provider_http_error"
INVALID_CAPABILITY: Final = "invalid_capability"
OUTSIDE_INVOCATION: Final = "outside_invocation"
TOKEN_FAILED: Final = "token_failed"
VIEW_FAILED: Final = "view_failed"
VIEW_NOT_FOUND: Final = "view_not_found"
INVALID_RESULT: Final = "invalid_result"
# VIKTOR's UserError: a message meant for the user as it is (the hub answers 422 with it).
USER_ERROR: Final = "user_error"

STATUS: Final[dict[str, int]] = {
    LOGIN_REQUIRED: 401,
    INTEGRATION_NOT_FOUND: 404,
    INTEGRATION_NOT_ASSIGNED: 403,
    PROVIDER_UNAVAILABLE: 503,
    PROVIDER_HTTP_ERROR: 502,
    INVALID_CAPABILITY: 401,
    OUTSIDE_INVOCATION: 500,
    TOKEN_FAILED: 502,
    VIEW_FAILED: 500,
    VIEW_NOT_FOUND: 404,
    INVALID_RESULT: 500,
    USER_ERROR: 422,
}


def status_of(code: str, fallback: int = 500) -> int:
    """The HTTP status for ``code`` (``fallback`` for a code the hub reported that this list lacks)."""
    return STATUS.get(code, fallback)
