"""The error codes the Python SDK and worker use, with the HTTP status the hub answers with, read from the
hub's error registry.

``src/errors/codes.json`` is the one list of codes: each with its status, a title, and whether an app may
report it (``appReportable``); the hub and the TypeScript SDK read the same file
(``docs/runtime-protocol.md``).
This module names the codes the package uses, and nothing else in the package spells one; importing it
checks that the registry still has each of them as a code an app may report, so that a code renamed or
dropped there stops the package with a clear message instead of drifting.

The file is found relative to this package (``python/gatehouse/`` → ``src/errors/codes.json`` of the same
checkout), never through the working directory or the environment, and it is only read: the package works
mounted read-only, as it is inside an app's sandbox, with the registry mounted at its place beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

#: Where the registry is: ``<checkout>/python/gatehouse/_codes.py`` → ``<checkout>/src/errors/codes.json``.
REGISTRY_PATH: Final = Path(__file__).resolve().parents[2] / "src" / "errors" / "codes.json"


class RegistryError(ImportError):
    """The registry is missing or not what the package expects: the package cannot know its codes."""


def load_registry(path: Path) -> dict[str, dict[str, Any]]:
    """The registry at ``path``, as code → entry; raises RegistryError saying what is wrong and where."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegistryError(
            f"gatehouse: the hub's error-code registry is missing: {path} (the Python SDK reads "
            "src/errors/codes.json of the Gatehouse checkout it is part of; keep python/ and src/ together)"
        ) from None
    except OSError as err:
        raise RegistryError(
            f"gatehouse: the error-code registry {path} cannot be read ({err.strerror})"
        ) from None
    try:
        registry = json.loads(text)
    except ValueError as err:
        raise RegistryError(f"gatehouse: the error-code registry {path} is not valid JSON ({err})") from None
    if not isinstance(registry, dict) or not all(
        isinstance(entry, dict) and type(entry.get("status")) is int for entry in registry.values()
    ):
        raise RegistryError(f"gatehouse: {path} is not an error-code registry (code → {{status, title}})")
    return registry


_REGISTRY: Final = load_registry(REGISTRY_PATH)


def _reportable(code: str) -> str:
    """``code``, once the registry is seen to have it as a code an app may report."""
    if _REGISTRY.get(code, {}).get("appReportable") is not True:
        raise RegistryError(f"gatehouse: {REGISTRY_PATH} does not list {code} as a code an app may report")
    return code


LOGIN_REQUIRED: Final = _reportable("login_required")
INTEGRATION_NOT_FOUND: Final = _reportable("integration_not_found")
INTEGRATION_NOT_ASSIGNED: Final = _reportable("integration_not_assigned")
PROVIDER_UNAVAILABLE: Final = _reportable("provider_unavailable")
PROVIDER_HTTP_ERROR: Final = _reportable("provider_http_error")
INVALID_CAPABILITY: Final = _reportable("invalid_capability")
OUTSIDE_INVOCATION: Final = _reportable("outside_invocation")
TOKEN_FAILED: Final = _reportable("token_failed")
VIEW_FAILED: Final = _reportable("view_failed")
VIEW_NOT_FOUND: Final = _reportable("view_not_found")
INVALID_RESULT: Final = _reportable("invalid_result")
# VIKTOR's UserError: a message meant for the user as it is (422, shown with the app's message).
USER_ERROR: Final = _reportable("user_error")

#: Every code's status in the registry, as the TypeScript SDK gives it (``statusOf``).
STATUS: Final[dict[str, int]] = {code: entry["status"] for code, entry in _REGISTRY.items()}


def status_of(code: str, fallback: int = 500) -> int:
    """The HTTP status for ``code`` (``fallback`` for a code the hub reported that the registry lacks)."""
    return STATUS.get(code, fallback)
