"""``urllib.request``: every opener's ``open`` (``urlopen`` and ``build_opener()`` alike) maps the URL,
remembers platform calls, and retries a 401 once with a force-refreshed token."""

from __future__ import annotations

import copy
import socket
import urllib.error
import urllib.request
from typing import Any

from .._invocation import resolve_url
from .calls import classify, refreshed_authorization, tag

_MARK = "__gatehouse_mapped__"


def _copy_to(request: urllib.request.Request, url: str) -> urllib.request.Request:
    outgoing = copy.copy(request)
    outgoing.headers = dict(request.headers)
    outgoing.unredirected_hdrs = dict(request.unredirected_hdrs)
    outgoing.full_url = url
    return outgoing


def install() -> None:
    opener_class = urllib.request.OpenerDirector
    original_open = opener_class.open
    if getattr(original_open, _MARK, False):
        return

    def open(self: Any, fullurl: Any, data: Any = None, timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT) -> Any:  # type: ignore[attr-defined]
        if isinstance(fullurl, str):
            request = urllib.request.Request(fullurl, data)
        else:
            request = fullurl
            if data is not None:
                request.data = data
        asked_for = request.full_url
        call = classify(asked_for, request.get_header("Authorization"))
        target = resolve_url(asked_for)
        outgoing = _copy_to(request, target) if target != asked_for else request
        try:
            return original_open(self, outgoing, None, timeout)
        except urllib.error.HTTPError as err:
            header = None
            if err.code == 401 and isinstance(outgoing.data, (bytes, type(None))):
                header = refreshed_authorization(call)
            if header is None or header == outgoing.get_header("Authorization"):
                tag(err, call)
                raise
            err.close()
            retry = _copy_to(outgoing, outgoing.full_url)
            # When sending, urllib lets unredirected headers win over the others.
            if "Authorization" in retry.unredirected_hdrs:
                retry.unredirected_hdrs["Authorization"] = header
            else:
                retry.add_header("Authorization", header)
            try:
                return original_open(self, retry, None, timeout)
            except urllib.error.URLError as retry_err:
                tag(retry_err, call)
                raise
        except urllib.error.URLError as err:
            tag(err, call)
            raise

    setattr(open, _MARK, True)
    open.__wrapped__ = original_open  # type: ignore[attr-defined]
    setattr(opener_class, "open", open)
