"""What the worker's HTTP hooks remember about a request to a platform, for the views' errors.

A request counts as a platform call when its host is one the invocation maps to an emulator, or when it
carries a token this invocation got from the hub (outside the sandbox nothing is mapped, and app code sends
the token it was given). Such a call's HTTP error or network failure, escaping a view, is explained the way
the TypeScript SDK explains ``ProviderHttpError`` (``_http/provider_errors.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .._invocation import current_invocation, target_for_host
from ..external import OAuth2Integration

#: The attribute the hooks set on responses and exceptions of a platform call.
CALL_ATTRIBUTE = "gatehouse_call"


@dataclass(frozen=True)
class PlatformCall:
    #: The URL app code asked for (the real platform's, before any mapping).
    url: str
    #: The integration whose token the request carried, when it carried one of this invocation's.
    integration: str | None

    @property
    def host(self) -> str:
        """``host[:port]`` as ``URL.host`` gives it (no user info, no default https port)."""
        parts = urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]
        return host[:-4] if parts.scheme == "https" and host.endswith(":443") else host


def _bearer(authorization: object) -> str | None:
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    if not isinstance(authorization, str):
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def classify(url: str, authorization: object) -> PlatformCall | None:
    """The platform call a request to ``url`` is, or None for any other request."""
    context = current_invocation()
    token = _bearer(authorization)
    integration = context.integration_of_token(token) if context is not None and token else None
    try:
        mapped = target_for_host(urlsplit(url).hostname) is not None
    except ValueError:
        mapped = False
    if integration is None and not mapped:
        return None
    return PlatformCall(url, integration)


def tag(target: object, call: PlatformCall | None) -> None:
    if call is None:
        return
    try:
        setattr(target, CALL_ATTRIBUTE, call)
    except AttributeError:  # a response or exception type with __slots__: it stays unexplained
        pass


def refreshed_authorization(call: PlatformCall | None) -> str | None:
    """After a 401 to a request with this invocation's token: the header with a force-refreshed token, as
    the TypeScript SDK's ``fetch`` retries once. None when the request carried no such token. A refresh the
    hub refuses raises (e.g. LoginRequiredError), which is what the view should report."""
    if call is None or call.integration is None:
        return None
    return "Bearer " + OAuth2Integration(call.integration).get_access_token(force_refresh=True)
