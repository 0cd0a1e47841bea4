"""The capability exchange: a view's only way to a token (``docs/runtime-protocol.md``, "Tokens").

``post_token_request`` talks to the hub and returns its raw answer; ``token_from_answer`` decides what the
answer means. ``http.client`` rather than ``urllib.request``: the capability must go to the hub and nowhere
else, so no proxy from the environment, no redirect followed, and none of the worker's host mapping.
"""

from __future__ import annotations

import http.client
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from . import _codes
from ._invocation import CachedToken
from .errors import (
    CapabilityError,
    GatehouseError,
    IntegrationNotAssignedError,
    IntegrationNotFoundError,
    LoginRequiredError,
    ProviderUnavailableError,
)

#: The SDK's own header (the hub also accepts ``Authorization: Capability …``), so that a capability can
#: never be mistaken for a personal access token.
CAPABILITY_HEADER = "X-Gatehouse-Capability"
RUNTIME_TOKEN_PATH = "/api/runtime/token"
HUB_TIMEOUT_SECONDS = 15.0
#: A token answer is a few kilobytes; a hub (or something posing as one) answering more is cut off here.
MAX_ANSWER_BYTES = 1024 * 1024
_MAX_TEXT = 2000


def read_body(raw: bytes) -> Any:
    """The parsed JSON of an answer, else its text (cut to 2000 characters), or None when empty."""
    text = raw.decode("utf-8", "replace")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return f"{text[:_MAX_TEXT]}…" if len(text) > _MAX_TEXT else text


def request_body(integration: str, min_validity: float | None, force_refresh: bool) -> bytes:
    body: dict[str, Any] = {"integration": integration}
    if min_validity is not None:
        body["minValidity"] = min_validity
    if force_refresh:
        body["forceRefresh"] = True
    return json.dumps(body).encode()


def post_token_request(hub_url: str, capability: str, body: bytes) -> tuple[int, Any]:
    """POSTs to the hub's runtime token route; returns (status, parsed body). Raises OSError and
    http.client.HTTPException when the hub cannot be reached or answers garbage."""
    parts = urlsplit(hub_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OSError(f"the hub URL {hub_url!r} is not an http(s) URL")
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port, timeout=HUB_TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            RUNTIME_TOKEN_PATH,
            body=body,
            headers={
                CAPABILITY_HEADER: capability,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        response = connection.getresponse()
        raw = response.read(MAX_ANSWER_BYTES + 1)
        if len(raw) > MAX_ANSWER_BYTES:
            raise http.client.HTTPException("the hub's answer to a token request is too large")
        return response.status, read_body(raw)
    finally:
        connection.close()


def _expiry_seconds(value: object) -> float:
    """``expiresAt`` as seconds since the epoch: a number is milliseconds, as ``Date.parse`` gives; 0 when
    unreadable (the token is used once and never reused)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1000
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return 0.0
    return 0.0


def token_from_answer(integration: str, status: int, body: Any) -> CachedToken:
    """The token in a successful answer; else the SDK error its problem details' ``code`` names."""
    answer = body if isinstance(body, dict) else {}
    if 200 <= status < 300 and isinstance(answer.get("accessToken"), str):
        return CachedToken(answer["accessToken"], _expiry_seconds(answer.get("expiresAt")))
    raise hub_error(integration, status, answer)


def hub_error(integration: str, status: int, body: dict[str, Any]) -> GatehouseError:
    code = body.get("code") if isinstance(body.get("code"), str) else None
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    if code == _codes.LOGIN_REQUIRED:
        login_url = body.get("loginUrl")
        return LoginRequiredError(login_url if isinstance(login_url, str) else "", integration, detail)
    if code == _codes.INTEGRATION_NOT_FOUND:
        return IntegrationNotFoundError(integration, detail)
    if code == _codes.INTEGRATION_NOT_ASSIGNED:
        return IntegrationNotAssignedError(integration, detail)
    if code == _codes.PROVIDER_UNAVAILABLE:
        return ProviderUnavailableError(integration, detail)
    if code == _codes.INVALID_CAPABILITY:
        return CapabilityError(detail)
    return GatehouseError(
        code or _codes.TOKEN_FAILED,
        detail if detail is not None else f"The hub answered {status} to a token request",
        502 if status >= 500 else status,
    )


def fetch_token(
    hub_url: str, capability: str, integration: str, *, min_validity: float | None, force_refresh: bool
) -> CachedToken:
    try:
        status, body = post_token_request(
            hub_url, capability, request_body(integration, min_validity, force_refresh)
        )
    except (OSError, http.client.HTTPException) as err:
        raise ProviderUnavailableError(
            integration, "The Gatehouse hub cannot be reached for a token"
        ) from err
    return token_from_answer(integration, status, body)
