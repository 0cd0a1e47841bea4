"""What one view invocation knows about the hub that runs it (``src/sdk/invocation.ts``).

The worker receives it with each ``invoke`` frame (never through the environment) and runs the view in a
fresh ``contextvars.Context`` holding it, so concurrent invocations for different users never see each
other's capability or tokens, even on a reused thread.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

T = TypeVar("T")


@dataclass
class CachedToken:
    access_token: str
    #: Seconds since the epoch; 0 when the hub's answer had no readable expiry (never reused).
    expires_at: float


@dataclass
class InvocationContext:
    #: The hub's internal base URL, e.g. http://127.0.0.1:8080.
    hub_url: str
    #: Unguessable, short-lived, bound to (app, user, invocation); exchanged at POST /api/runtime/token.
    capability: str
    #: Real API host → emulator origin (sandbox); ``*.`` prefixes match any subdomain. Empty otherwise.
    host_map: Mapping[str, str]
    #: Tokens already obtained in this invocation, by integration name.
    tokens: dict[str, CachedToken] = field(default_factory=dict)
    #: When each integration's latest forced refresh was asked for (``clock`` seconds).
    forced_at: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Seconds since the epoch; tests replace it.
    clock: Callable[[], float] = time.time

    def integration_of_token(self, access_token: str) -> str | None:
        """The integration whose token this is, when this invocation obtained it."""
        with self.lock:
            for name, cached in self.tokens.items():
                if cached.access_token == access_token:
                    return name
        return None


_current: contextvars.ContextVar[InvocationContext | None] = contextvars.ContextVar(
    "gatehouse_invocation", default=None
)
_default_host_map: Mapping[str, str] = {}


def run_in_invocation(context: InvocationContext, fn: Callable[[], T]) -> T:
    """Runs ``fn`` as one view invocation, in a context of its own. Used by the worker, not by app code."""

    def run() -> T:
        _current.set(context)
        return fn()

    return contextvars.Context().run(run)


def current_invocation() -> InvocationContext | None:
    """The current invocation, or None outside a view."""
    return _current.get()


def set_default_host_map(host_map: Mapping[str, str]) -> None:
    """The mapping ``resolve_url`` uses outside an invocation (the worker sets it from each invocation)."""
    global _default_host_map
    _default_host_map = dict(host_map)


def host_map() -> Mapping[str, str]:
    context = current_invocation()
    return context.host_map if context is not None else _default_host_map


def _wildcard_target(mapping: Mapping[str, str], host: str) -> str | None:
    for pattern, target in mapping.items():
        if pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
            return target
    return None


def target_for_host(host: str | None, mapping: Mapping[str, str] | None = None) -> str | None:
    """The emulator origin that serves ``host`` (exact names first, then ``*.`` patterns), or None."""
    if not host:
        return None
    mapping = host_map() if mapping is None else mapping
    host = host.lower()
    return mapping.get(host) or _wildcard_target(mapping, host)


def resolve_url(url: str) -> str:
    """Where a request for ``url`` really goes: in the sandbox, https URLs of the real API hosts
    (api.bentley.com, developer.api.autodesk.com, discover.api.seequent.com, *.api.seequent.com) map to the
    emulators, keeping path, query and fragment; anything else, and everything outside the sandbox, is
    returned unchanged."""
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError:  # not a URL this could map; the HTTP client reports it as it would anyway
        return url
    target = target_for_host(hostname)
    if target is None or parts.scheme.lower() != "https":
        return url
    base = urlsplit(target)
    netloc = base.hostname or ""
    if ":" in netloc:
        netloc = f"[{netloc}]"
    if base.port is not None:
        netloc = f"{netloc}:{base.port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((base.scheme, netloc, parts.path, parts.query, parts.fragment))
