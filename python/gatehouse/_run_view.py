"""Running one invocation: the view's method in the invocation's own context, its result checked and turned
into the ``result`` message (``src/apps/worker.ts`` does the same for TypeScript apps)."""

from __future__ import annotations

import inspect
from typing import Any

from . import _codes, _report
from ._http import hook_imported
from ._invocation import InvocationContext, run_in_invocation, set_default_host_map
from ._protocol import Invoke, result_error, result_ok
from .errors import GatehouseError, ResultError
from .views import Controller, Params


def _type_of(value: object) -> str:
    return "None" if value is None else type(value).__name__


def _call_view(controller: type[Controller], invoke: Invoke) -> dict[str, Any]:
    spec = controller.views().get(invoke.view)
    if spec is None:
        raise GatehouseError(_codes.VIEW_NOT_FOUND, f'The app has no view "{invoke.view}"')
    method = getattr(controller(), invoke.view)
    result = method(Params(invoke.params))
    if inspect.iscoroutine(result):  # an async def view: run to completion on this invocation's thread
        import asyncio  # only for apps that have one: it is the worker's largest import

        result = asyncio.run(result)
    if not isinstance(result, spec.result_class):
        kind = {"data": "DataView", "table": "TableView", "web": "WebView"}[spec.kind]
        raise ResultError(f"a {kind} must return a {spec.result_class.__name__} (got {_type_of(result)})")
    to_json: Any = getattr(result, "to_json")
    return to_json()  # type: ignore[no-any-return]


def run_invocation(controller: type[Controller], invoke: Invoke) -> dict[str, Any]:
    """The ``result`` message for one ``invoke``: exactly one, whatever the view (or a hook it needs) does."""
    try:
        set_default_host_map(invoke.host_map)
        hook_imported()
        context = InvocationContext(invoke.hub_url, invoke.capability, invoke.host_map)
        result = run_in_invocation(context, lambda: _call_view(controller, invoke))
        return result_ok(invoke.id, result)
    except BaseException as err:  # SystemExit from a view ends that view, not the app
        return result_error(invoke.id, _report.safe_error_report(err, invoke.view))
