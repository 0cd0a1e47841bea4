"""Errors app code can catch. Each has the stable ``code`` the hub uses for the same situation, so a view
that lets one escape turns into the same problem details a direct token request would get (the same classes
as ``src/sdk/errors.ts``, with Python's names).
"""

from __future__ import annotations

from typing import Any

from . import _codes


class GatehouseError(Exception):
    """Base of the SDK's errors: a stable ``code``, a message, and safe extra fields for the hub."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: The HTTP status the hub answers with when this escapes a view (the hub decides; for information).
        self.status = status if status is not None else _codes.status_of(code)

    def details(self) -> dict[str, Any]:
        """Extra fields for the problem details (never secrets)."""
        return {}


class LoginRequiredError(GatehouseError):
    """The user has no usable connection to the integration: send them to ``login_url``."""

    def __init__(self, login_url: str, integration: str, message: str | None = None) -> None:
        super().__init__(
            _codes.LOGIN_REQUIRED, f"Connect your {integration} account first" if message is None else message
        )
        self.login_url = login_url
        self.integration = integration

    def details(self) -> dict[str, Any]:
        return {"loginUrl": self.login_url, "integration": self.integration}


class IntegrationNotFoundError(GatehouseError):
    """No integration of that name exists on the hub."""

    def __init__(self, integration: str, message: str | None = None) -> None:
        super().__init__(
            _codes.INTEGRATION_NOT_FOUND,
            f"No integration named {integration} exists on this hub" if message is None else message,
        )
        self.integration = integration

    def details(self) -> dict[str, Any]:
        return {"integration": self.integration}


class IntegrationNotAssignedError(GatehouseError):
    """The integration exists but is not assigned to this app, or the app's config does not list it."""

    def __init__(self, integration: str, message: str | None = None) -> None:
        super().__init__(
            _codes.INTEGRATION_NOT_ASSIGNED,
            (
                f"The integration {integration} is not assigned to this app or not listed in its "
                "gatehouse.config.toml"
            )
            if message is None
            else message,
        )
        self.integration = integration

    def details(self) -> dict[str, Any]:
        return {"integration": self.integration}


class ProviderUnavailableError(GatehouseError):
    """The provider (or the hub) cannot be reached and no valid token is held."""

    def __init__(self, integration: str | None = None, message: str | None = None) -> None:
        super().__init__(
            _codes.PROVIDER_UNAVAILABLE,
            "The provider cannot be reached right now; try again in a moment" if message is None else message,
        )
        self.integration = integration

    def details(self) -> dict[str, Any]:
        return {"integration": self.integration} if self.integration else {}


class ProviderHttpError(GatehouseError):
    """A provider API answered with an error. ``body`` is the parsed JSON (or the text); ``explanation`` is a
    human sentence for the errors Gatehouse recognises (see ``explain.py``), else the provider's own message.
    """

    def __init__(
        self,
        provider_status: int,
        body: Any,
        explanation: str,
        url: str | None = None,
        provider_code: str | None = None,
    ) -> None:
        super().__init__(_codes.PROVIDER_HTTP_ERROR, explanation)
        self.provider_status = provider_status
        self.body = body
        self.explanation = explanation
        self.url = url
        self.provider_code = provider_code

    def details(self) -> dict[str, Any]:
        details: dict[str, Any] = {"providerStatus": self.provider_status, "providerCode": self.provider_code}
        if self.url:
            details["url"] = self.url
        return details


class CapabilityError(GatehouseError):
    """The hub refused the invocation's capability (expired, or used outside the view it was made for)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            _codes.INVALID_CAPABILITY,
            "This view invocation's capability is no longer valid" if message is None else message,
        )


class UserError(GatehouseError):
    """VIKTOR's ``UserError``: raise it to show ``message`` to the user as it is (e.g. a bad combination of
    inputs), instead of a "view failed" report."""

    def __init__(self, message: str) -> None:
        super().__init__(_codes.USER_ERROR, str(message))


class ResultError(GatehouseError, ValueError):
    """A limit or shape rule of a result was broken; the message names the item."""

    def __init__(self, message: str) -> None:
        super().__init__(_codes.INVALID_RESULT, message)
