"""``vkt.external.OAuth2Integration``: tokens for the user who runs the view (``src/sdk/integration.ts``).

The hub's admin assigns an integration to the app, the app's config lists it by name, and a view asks for a
token by that name. Tokens come from the hub through the invocation's capability; the app never sees
refresh tokens or client secrets.
"""

from __future__ import annotations

import re

from . import _codes, _hub_token, _js
from ._invocation import InvocationContext, current_invocation
from .errors import GatehouseError

INTEGRATION_NAME = re.compile(r"[a-z0-9_-]{1,64}")
DEFAULT_MIN_VALIDITY_SECONDS = 60
#: Cached tokens are reused while valid for at least this long.
REUSE_MARGIN_SECONDS = 30
#: A forced refresh is asked for at most this often per integration in an invocation (the hub's rule too:
#: FORCED_REFRESH_MIN_INTERVAL_MS in src/vault/renewal.ts); within it the token just refreshed is returned.
FORCED_REFRESH_MIN_INTERVAL_SECONDS = 5


class OAuth2Integration:
    """An OAuth 2.0 integration the hub's admin assigned to this app, by name (as in the app's config)."""

    def __init__(self, integration_name: str) -> None:
        if not isinstance(integration_name, str) or not INTEGRATION_NAME.fullmatch(integration_name):
            raise ValueError(
                f'OAuth2Integration: "{integration_name}" is not an integration name (1-64 of a-z 0-9 - _)'
            )
        self.name = integration_name

    def _invocation(self) -> InvocationContext:
        context = current_invocation()
        if context is None:
            raise GatehouseError(
                _codes.OUTSIDE_INVOCATION,
                f'OAuth2Integration("{self.name}") can only get tokens while a view runs inside the '
                "Gatehouse app runtime",
            )
        return context

    def get_access_token(self, *, min_validity: float | None = None, force_refresh: bool = False) -> str:
        """An access token valid for at least ``min_validity`` seconds (default 60), for the user running
        the view. Reused within the invocation while it stays valid long enough; ``force_refresh=True``
        asks the hub for a fresh one, e.g. after a 401 — at most once per integration every few seconds
        (``FORCED_REFRESH_MIN_INTERVAL_SECONDS``; meanwhile the token just refreshed is returned), and the
        hub honours it once per invocation and integration.

        Raises LoginRequiredError (the user must connect first; ``login_url``), IntegrationNotFoundError,
        IntegrationNotAssignedError, ProviderUnavailableError.
        """
        if min_validity is not None and (not _js.is_finite_number(min_validity) or min_validity < 0):
            raise ValueError("get_access_token: min_validity must be a number of seconds")
        context = self._invocation()
        asked_at = context.clock()
        if force_refresh:
            with context.lock:
                last = context.forced_at.get(self.name)
                cached = context.tokens.get(self.name)
            if (
                cached is not None
                and last is not None
                and asked_at - last < FORCED_REFRESH_MIN_INTERVAL_SECONDS
            ):
                return cached.access_token
        else:
            wanted = max(
                DEFAULT_MIN_VALIDITY_SECONDS if min_validity is None else min_validity, REUSE_MARGIN_SECONDS
            )
            with context.lock:
                cached = context.tokens.get(self.name)
            if cached is not None and cached.expires_at - context.clock() >= wanted:
                return cached.access_token
        token = _hub_token.fetch_token(
            context.hub_url,
            context.capability,
            self.name,
            min_validity=min_validity,
            force_refresh=force_refresh,
        )
        with context.lock:
            context.tokens[self.name] = token
            if force_refresh:
                context.forced_at[self.name] = asked_at
        return token.access_token

    def __repr__(self) -> str:
        return f"OAuth2Integration({self.name!r})"
