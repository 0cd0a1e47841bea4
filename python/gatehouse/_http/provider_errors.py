"""A platform's HTTP error or network failure that escapes a view, told the way the TypeScript SDK tells
``ProviderHttpError`` and ``ProviderUnavailableError``: seed code calls ``raise_for_status()`` and needs no
error handling of its own (e.g. the iTwin 403 names the permission the user's role lacks)."""

from __future__ import annotations

import socket
import sys
import urllib.error
from typing import Any

from .._hub_token import read_body
from ..errors import GatehouseError, ProviderHttpError, ProviderUnavailableError
from ..explain import explain_provider_error, provider_error_of
from .calls import CALL_ATTRIBUTE, PlatformCall

#: More than any explanation needs; a huge error page is not read whole.
_MAX_BODY_BYTES = 1024 * 1024


def _call_of(*holders: object) -> PlatformCall | None:
    for holder in holders:
        call = getattr(holder, CALL_ATTRIBUTE, None)
        if isinstance(call, PlatformCall):
            return call
    return None


def _http_failure(err: BaseException) -> tuple[int, bytes, PlatformCall] | None:
    """(status, body, call) of an HTTP error answer from a platform call, from any of the three clients."""
    if isinstance(err, urllib.error.HTTPError):
        call = _call_of(err)
        if call is None:
            return None
        try:
            body = err.read(_MAX_BODY_BYTES) or b""
        except (OSError, ValueError, AttributeError):  # already read or closed by app code
            body = b""
        return err.code, body, call
    requests = sys.modules.get("requests")
    if requests is not None and isinstance(err, requests.exceptions.HTTPError):
        response = err.response
        call = _call_of(response)
        if response is None or call is None:
            return None
        return response.status_code, (response.content or b"")[:_MAX_BODY_BYTES], call
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(err, httpx.HTTPStatusError):
        response = err.response
        call = _call_of(response)
        if call is None:
            return None
        try:
            body = response.read()
        except Exception:  # a streamed body app code did not read and that is gone now
            body = b""
        return response.status_code, body[:_MAX_BODY_BYTES], call
    return None


def _network_failure(err: BaseException) -> tuple[str, PlatformCall] | None:
    """(what happened, call) of a platform call that got no answer."""
    call = _call_of(err)
    if call is None:
        return None
    timed_out = isinstance(err, (TimeoutError, socket.timeout))
    requests = sys.modules.get("requests")
    httpx = sys.modules.get("httpx")
    if isinstance(err, urllib.error.URLError):
        timed_out = timed_out or isinstance(err.reason, (TimeoutError, socket.timeout))
    elif requests is not None and isinstance(err, requests.exceptions.RequestException):
        timed_out = timed_out or isinstance(err, requests.exceptions.Timeout)
    elif httpx is not None and isinstance(err, httpx.TransportError):
        timed_out = timed_out or isinstance(err, httpx.TimeoutException)
    else:
        return None
    return ("did not answer in time" if timed_out else "cannot be reached"), call


def provider_error_from(err: BaseException) -> GatehouseError | None:
    """The SDK error a platform call's failure means, or None when ``err`` is no such failure."""
    failure = _http_failure(err)
    if failure is not None:
        status, raw, call = failure
        body: Any = read_body(raw)
        code, _ = provider_error_of(body)
        return ProviderHttpError(status, body, explain_provider_error(status, body, call.url), call.url, code)
    network = _network_failure(err)
    if network is not None:
        reason, call = network
        return ProviderUnavailableError(call.integration, f"{call.host} {reason}")
    return None
