"""``requests``: every Session's ``send`` maps the URL (``resolve_url``), remembers platform calls, and
retries a 401 once with a force-refreshed token, as the TypeScript SDK's ``fetch`` does.

``Session.send`` rather than ``Session.request``: redirects and prepared requests go through it too, and
``requests.get`` and every subclass (authlib's ``OAuth2Session``…) use it.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .._invocation import resolve_url
from .calls import classify, refreshed_authorization, tag

_MARK = "__gatehouse_mapped__"


def _replayable(body: object) -> bool:
    return body is None or isinstance(body, (bytes, str))


def install(requests: ModuleType) -> None:
    session_class = requests.Session
    original_send = session_class.send
    if getattr(original_send, _MARK, False):
        return
    request_error = requests.exceptions.RequestException
    prepared_request = requests.PreparedRequest

    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        if not isinstance(request, prepared_request):  # requests refuses it itself, with its own message
            return original_send(self, request, **kwargs)
        asked_for = request.url
        call = classify(asked_for, request.headers.get("Authorization"))
        target = resolve_url(asked_for)
        outgoing = request
        if target != asked_for:
            outgoing = request.copy()
            outgoing.url = target
        try:
            response = original_send(self, outgoing, **kwargs)
            if response.status_code == 401 and _replayable(outgoing.body):
                header = refreshed_authorization(call)
                if header is not None and header != outgoing.headers.get("Authorization"):
                    response.close()
                    retry = outgoing.copy()
                    retry.headers["Authorization"] = header
                    response = original_send(self, retry, **kwargs)
        except request_error as err:
            tag(err, call)
            raise
        tag(response, call)
        return response

    setattr(send, _MARK, True)
    send.__wrapped__ = original_send  # type: ignore[attr-defined]
    session_class.send = send
