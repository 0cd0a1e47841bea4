"""Views and the controller (``src/sdk/app.ts``, VIKTOR's names).

A view is a controller method decorated with ``@DataView(label, duration_guess=…)``, ``@TableView(…)`` or
``@WebView(…)`` and called as ``method(self, params, **kwargs)``; the method's name is the view's name in the
views API (``POST /api/apps/{app}/views/{view}``). Names and shapes are checked when the class is defined,
so a broken app fails when it loads, with the line that broke it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from . import _js
from ._inherited import inherited
from .data_result import DataResult
from .fields import Parametrization
from .table_result import TableResult
from .web_result import WebResult

VIEW_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
VIEW_NAME_SHOWN = "/^[A-Za-z][A-Za-z0-9_-]{0,63}$/"
_VIEW_ATTRIBUTE = "__gatehouse_view__"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class ViewSpec:
    kind: str
    label: str
    duration_guess: float | None
    result_class: type

    def to_json(self, name: str) -> dict[str, Any]:
        return {"name": name, "kind": self.kind, "label": self.label, "durationGuess": self.duration_guess}


class _ViewDecorator:
    kind: ClassVar[str]
    result_class: ClassVar[type]

    def __init__(self, label: str, duration_guess: float | None = None) -> None:
        name = type(self).__name__
        if not isinstance(label, str) or _js.trim(label) == "":
            raise TypeError(f"{name}: give a label")
        if duration_guess is not None and (not _js.is_finite_number(duration_guess) or duration_guess < 0):
            raise TypeError(f'{name} "{label}": duration_guess must be a number of seconds')
        self.spec = ViewSpec(self.kind, label, duration_guess, self.result_class)

    def __call__(self, method: F) -> F:
        if not callable(method):
            raise TypeError(f'{type(self).__name__} "{self.spec.label}": decorate a method')
        setattr(method, _VIEW_ATTRIBUTE, self.spec)
        return method


class DataView(_ViewDecorator):
    """A view whose method returns a DataResult (a tree of labelled values)."""

    kind = "data"
    result_class = DataResult


class TableView(_ViewDecorator):
    """A view whose method returns a TableResult."""

    kind = "table"
    result_class = TableResult


class WebView(_ViewDecorator):
    """A view whose method returns a WebResult (HTML)."""

    kind = "web"
    result_class = WebResult


class Params(dict):  # type: ignore[type-arg]
    """What a view gets as ``params``: the field values by name, readable as ``params.name`` and
    ``params["name"]`` (VIKTOR's Munch)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"params has no field {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None


class Controller:
    """Subclass it: ``parametrization = MyParametrization`` and the decorated view methods."""

    parametrization: ClassVar[type[Parametrization] | Parametrization | None] = None
    _views: ClassVar[dict[str, ViewSpec]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        views: dict[str, ViewSpec] = inherited(cls, "_views")
        for name, member in vars(cls).items():
            spec = getattr(member, _VIEW_ATTRIBUTE, None) if callable(member) else None
            if not isinstance(spec, ViewSpec):
                views.pop(name, None)  # an override without a decorator is no longer a view
                continue
            if not VIEW_NAME.fullmatch(name):
                raise TypeError(f'Controller: view name "{name}" must match {VIEW_NAME_SHOWN}')
            views[name] = spec
        parametrization = vars(cls).get("parametrization")
        if parametrization is not None and not _is_parametrization(parametrization):
            raise TypeError(
                "Controller: parametrization must be a Parametrization subclass (class Parametrization("
                f"vkt.Parametrization): ...), got {_js.type_name(parametrization)}"
            )
        cls._views = views

    @classmethod
    def views(cls) -> dict[str, ViewSpec]:
        return dict(cls._views)

    @classmethod
    def parametrization_class(cls) -> type[Parametrization]:
        parametrization = cls.parametrization
        if parametrization is None:
            return Parametrization
        return parametrization if isinstance(parametrization, type) else type(parametrization)

    @classmethod
    def manifest(cls) -> dict[str, Any]:
        """What the worker reports in ``ready``: the fields and the views, in declaration order."""
        return {
            "parametrization": cls.parametrization_class().manifest(),
            "views": [spec.to_json(name) for name, spec in cls._views.items()],
        }


def _is_parametrization(value: object) -> bool:
    if isinstance(value, type):
        return issubclass(value, Parametrization)
    return isinstance(value, Parametrization)
