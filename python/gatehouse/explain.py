"""Human explanations for provider answers that are easy to misread (``src/sdk/explain.ts``, word for word).

The platforms' own messages say what failed; these say why and what to do, in words a user of an app can
act on. The worker uses them for an HTTP error from a platform that escapes a view.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from . import _js


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def provider_error_of(body: Any) -> tuple[str | None, str | None]:
    """The provider's own (code, message), from the body shapes of Bentley, APS, Seequent and RFC 6749."""
    if not isinstance(body, dict):
        short = isinstance(body, str) and _js.utf16_length(body) < 300
        return None, _str(body) if short else None
    error = body.get("error")
    # Bentley: {"error": {"code", "message"}}
    if isinstance(error, dict):
        return _str(error.get("code")), _str(error.get("message"))
    # RFC 6749: {"error": "...", "error_description": "..."}
    if isinstance(error, str):
        return error, _str(body.get("error_description"))
    # APS Data Management (JSON:API): {"errors": [{"status", "code", "detail"}]}
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return _str(first.get("code")), _str(first.get("detail")) or _str(first.get("title"))
    # APS legacy: {"developerMessage", "errorCode"}; Seequent: RFC 7807 {"title", "detail"}
    if _str(body.get("developerMessage")):
        return _str(body.get("errorCode")), _str(body.get("developerMessage"))
    if _str(body.get("detail")) or _str(body.get("title")):
        return _str(body.get("type")), _str(body.get("detail")) or _str(body.get("title"))
    return None, None


def _bentley_permission_for(url: str | None) -> str | None:
    """Which iTwin permission a request to ``url`` needs, when it can be told from the path."""
    if not url:
        return None
    path = urlsplit(url).path or "/"
    if path.startswith("/imodels"):
        return "imodels_read"
    if path.startswith("/itwins"):
        return "itwins_read"
    return None


def explain_provider_error(status: int, body: Any, url: str | None = None) -> str:
    """A sentence explaining a failed provider answer: known cases get a real explanation, others the
    provider's own words."""
    code, message = provider_error_of(body)
    if code == "InsufficientPermissions":
        permission = _bentley_permission_for(url)
        return (
            "Bentley refused the request: the integration's scope (itwin-platform) is fine, but your role on "
            f"this iTwin lacks a permission the call needs{f' ({permission})' if permission else ''}. "
            "Ask an administrator of the iTwin to give you a role that includes it."
            + (f" Bentley said: {message}" if message else "")
        )
    said = f": {message}" if message else ""
    coded = f" {code}" if code else ""
    if status == 401:
        return f"The provider refused the access token even after a refresh{said}. Try reconnecting the integration."
    if status == 403:
        return (
            f"The provider refused access (403{coded}){said}. The connected account may lack the rights for "
            "this data."
        )
    if status == 404:
        return f"The provider has no such resource (404{coded}){said}"
    if status == 429:
        return "The provider is rate limiting requests and asked to wait longer than the app may; try again later."
    if status >= 500:
        return f"The provider failed ({status}){said}; try again later."
    return f"The provider answered {status}{coded}{said}"


def explain_aps_hubs_warning(body: Any) -> str | None:
    """An APS ``GET /project/v1/hubs`` answer with no hubs but a BIM360DM_ERROR warning means the ACC account
    exists but has not added this app as a custom integration. Returns the explanation, or None when the
    answer is not that case (hubs present, or simply none)."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list) or len(body["data"]) > 0:
        return None
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else None
    raw_warnings = meta.get("warnings") if meta is not None else None
    warnings = [w for w in raw_warnings if isinstance(w, dict)] if isinstance(raw_warnings, list) else []
    warning = next((w for w in warnings if _str(w.get("ErrorCode")) == "BIM360DM_ERROR"), None)
    warning = warning if warning is not None else (warnings[0] if warnings else None)
    if warning is None:
        return None
    title = _str(warning.get("Title"))
    return (
        "Autodesk returned no hubs, with a warning"
        + (f' ("{title}")' if title else "")
        + ": your Autodesk Construction Cloud account has not added this app as a custom integration. "
        "An ACC Account Admin must add the integration's APS client ID under Account Admin → Custom Integrations."
    )
