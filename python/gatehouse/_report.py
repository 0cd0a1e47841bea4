"""How a view's failure crosses the channel: ``{code, message, details}`` (``docs/runtime-protocol.md``).

The SDK's errors keep their code (a LoginRequiredError becomes the hub's 401 login_required with the login
button); a platform's escaping HTTP error becomes provider_http_error with the TypeScript SDK's explanation;
anything else is view_failed, its traceback left in the app log (stderr), never in the answer.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

from . import _codes, _memory
from ._channel import APP_TO_HUB_MAX_BYTES
from ._http.provider_errors import provider_error_from
from .errors import GatehouseError, ResultError

#: The hub cuts longer messages; cutting here keeps a huge exception text off the channel.
MAX_MESSAGE_CHARS = 2000


def _error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[: MAX_MESSAGE_CHARS - 1] + "…"
    return {"code": code, "message": message, "details": details or {}}


def invalid_result(view: str, message: str) -> dict[str, Any]:
    return _error(_codes.INVALID_RESULT, f'View "{view}" built an invalid result: {message}')


def result_too_large(view: str, size: int) -> dict[str, Any]:
    """A result one frame cannot carry (``src/apps/worker.ts`` says it in the same words)."""
    return _error(
        _codes.INVALID_RESULT,
        f'View "{view}" built a result of {size} bytes; one result can be at most {APP_TO_HUB_MAX_BYTES} bytes',
    )


def safe_error_report(err: BaseException, view: str) -> dict[str, Any]:
    """``error_report``, or a bare view_failed when telling the failure fails too (an exception whose
    ``__str__`` raises, a body that cannot be read): every invoke must get its answer."""
    try:
        return error_report(err, view)
    except Exception:
        return _error(_codes.VIEW_FAILED, f'View "{view}" failed: {type(err).__name__}')


def error_report(err: BaseException, view: str) -> dict[str, Any]:
    if isinstance(err, ResultError):
        return invalid_result(view, err.message)
    known = err if isinstance(err, GatehouseError) else provider_error_from(err)
    if known is not None:
        return _error(known.code, known.message, known.details())
    if isinstance(err, MemoryError):
        cap = _memory.heap_mb()
        given = f" (this hub gives an app process {cap} MB)" if cap else ""
        return _error(_codes.VIEW_FAILED, f'View "{view}" ran out of memory{given}')
    # The app's own failure: its message is the app's words; the traceback stays in the app log.
    print(f'view "{view}" failed:', file=sys.stderr)
    traceback.print_exception(err, file=sys.stderr)
    text = str(err)
    what = f"{type(err).__name__}: {text}" if text else type(err).__name__
    return _error(_codes.VIEW_FAILED, f'View "{view}" failed: {what}')
