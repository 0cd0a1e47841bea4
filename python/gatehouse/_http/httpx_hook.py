"""``httpx`` (where installed): the default transports map the URL (and the Host header with it) and
remember platform calls. There is no 401 retry here: at the transport a request's body may be a stream
that cannot be sent twice."""

from __future__ import annotations

from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from .._invocation import resolve_url
from .calls import classify, tag

_MARK = "__gatehouse_mapped__"


def _map(httpx: ModuleType, request: Any) -> Any:
    asked_for = str(request.url)
    call = classify(asked_for, request.headers.get("authorization"))
    target = resolve_url(asked_for)
    if target != asked_for:
        request.url = httpx.URL(target)
        request.headers["Host"] = urlsplit(target).netloc
    return call


def install(httpx: ModuleType) -> None:
    transport_class = httpx.HTTPTransport
    async_transport_class = httpx.AsyncHTTPTransport
    original = transport_class.handle_request
    if getattr(original, _MARK, False):
        return
    original_async = async_transport_class.handle_async_request
    transport_error = httpx.TransportError

    def handle_request(self: Any, request: Any) -> Any:
        call = _map(httpx, request)
        try:
            response = original(self, request)
        except transport_error as err:
            tag(err, call)
            raise
        tag(response, call)
        return response

    async def handle_async_request(self: Any, request: Any) -> Any:
        call = _map(httpx, request)
        try:
            response = await original_async(self, request)
        except transport_error as err:
            tag(err, call)
            raise
        tag(response, call)
        return response

    for hook, wrapped in ((handle_request, original), (handle_async_request, original_async)):
        setattr(hook, _MARK, True)
        hook.__wrapped__ = wrapped  # type: ignore[attr-defined]
    transport_class.handle_request = handle_request
    async_transport_class.handle_async_request = handle_async_request
