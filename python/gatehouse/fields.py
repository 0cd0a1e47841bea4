"""The parametrization: what a user fills in before running a view (``src/sdk/fields.ts``, VIKTOR's names).

Fields are class attributes of a ``Parametrization`` subclass, in declaration order; each gives the plain
description the hub shows and validates params against (``src/sdk/README.md``, "The views API") without
running app code. The first argument is the label, as VIKTOR's ``ui_name``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar, Union

from . import _js
from ._frozen import Frozen
from ._inherited import inherited

OptionValue = Union[str, int, float]

FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
FIELD_NAME_SHOWN = "/^[A-Za-z_][A-Za-z0-9_]{0,63}$/"


def _check_text(owner: str, option: str, value: object) -> None:
    # TypeScript's types check these at compile time; Python has only this run-time check.
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{owner}: {option} must be a string (got {_js.type_name(value)})")


class Field(Frozen):
    """A parametrization entry; ``to_json()`` is its description without the name."""

    type: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


class Text(Field):
    """Markdown shown in the parametrization; holds no value."""

    type = "text"

    def __init__(self, value: str, *, flex: int | None = None) -> None:
        if not isinstance(value, str):
            raise TypeError("Text: content must be a string")
        self.content = value
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "content": self.content}


class _LabelledField(Field):
    """What every value field has: a label (``None``: the UI shows the field's name) and a description.
    ``flex`` (VIKTOR's width hint) is accepted and ignored: the web UI lays fields out itself."""

    _name: ClassVar[str]

    def __init__(self, label: str | None, description: str | None) -> None:
        _check_text(self._name, "label", label)
        _check_text(self._name, "description", description)
        self.label = label
        self.description = description

    def _base(self) -> dict[str, Any]:
        return {"type": self.type, "label": self.label, "description": self.description}


#: What a single-value field holds: ``str`` for TextField, ``bool`` for BooleanField.
_V = TypeVar("_V", str, bool)


class _DefaultedField(_LabelledField, Generic[_V]):
    """A value field whose only option besides label and description is its ``default``."""

    def __init__(
        self,
        label: str | None = None,
        *,
        default: _V | None = None,
        description: str | None = None,
        flex: int | None = None,
    ) -> None:
        super().__init__(label, description)
        self._check_default(default)
        self.default = default
        self._freeze()

    def _check_default(self, default: object) -> None:
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:
        return {**self._base(), "default": self.default}


class TextField(_DefaultedField[str]):
    """A line of text; the value is ``""`` when left empty."""

    type = "textField"
    _name = "TextField"

    def _check_default(self, default: object) -> None:
        _check_text("TextField", "default", default)


#: The numbers a numeric field holds: ``float`` for NumberField, ``int`` for IntegerField.
_N = TypeVar("_N", float, int)


class _NumericField(_LabelledField, Generic[_N]):
    def __init__(
        self,
        label: str | None = None,
        *,
        default: _N | None = None,
        min: _N | None = None,
        max: _N | None = None,
        step: _N | None = None,
        description: str | None = None,
        flex: int | None = None,
    ) -> None:
        super().__init__(label, description)
        bounds = {"default": default, "min": min, "max": max, "step": step}
        for key, value in bounds.items():
            if value is not None and not _js.is_finite_number(value):
                raise TypeError(f"{self._name}: {key} must be a finite number")
        if min is not None and max is not None and min > max:
            raise ValueError(f"{self._name}: min is greater than max")
        if step is not None and step <= 0:
            raise ValueError(f"{self._name}: step must be positive")
        if self.type == "integerField":
            for key, value in bounds.items():
                if value is not None and not _js.is_integer(value):
                    raise TypeError(f"{self._name}: {key} must be an integer")
        self.default, self.min, self.max, self.step = default, min, max, step
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {**self._base(), "default": self.default, "min": self.min, "max": self.max, "step": self.step}


class NumberField(_NumericField[float]):
    """A number; without a default the value may be ``None`` (left empty)."""

    type = "numberField"
    _name = "NumberField"


class IntegerField(_NumericField[int]):
    """A whole number; without a default the value may be ``None`` (left empty)."""

    type = "integerField"
    _name = "IntegerField"


class BooleanField(_DefaultedField[bool]):
    """A checkbox; the value is ``False`` when left empty."""

    type = "booleanField"
    _name = "BooleanField"

    def _check_default(self, default: object) -> None:
        if default is not None and not isinstance(default, bool):
            raise TypeError(f"BooleanField: default must be True or False (got {_js.type_name(default)})")


def _same_option(a: object, b: object) -> bool:
    """JavaScript's ``includes`` equality for option values: 1 equals 1.0, never "1" or True."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return _js.is_number(a) and _js.is_number(b) and a == b


class OptionField(_LabelledField):
    """One of ``options`` (strings or numbers); ``default`` must be one of them."""

    type = "optionField"
    _name = "OptionField"

    def __init__(
        self,
        label: str | None,
        options: Sequence[OptionValue],
        *,
        default: OptionValue | None = None,
        description: str | None = None,
        flex: int | None = None,
    ) -> None:
        super().__init__(label, description)
        if not isinstance(options, (list, tuple)) or len(options) == 0:
            raise TypeError("OptionField: give at least one option")
        for option in options:
            if not isinstance(option, str) and not _js.is_finite_number(option):
                raise TypeError(
                    f"OptionField: options must be strings or numbers (got {_js.type_name(option)})"
                )
        if default is not None and not any(_same_option(default, option) for option in options):
            raise TypeError(f"OptionField: default {_js.json_value(default)} is not one of the options")
        self.options = tuple(options)
        self.default = default
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {**self._base(), "options": list(self.options), "default": self.default}


class Parametrization:
    """Subclass it and give fields as class attributes; they appear in declaration order (fields of a base
    Parametrization first)."""

    _fields: ClassVar[dict[str, Field]] = {}

    def __init__(self, *, width: int | None = None) -> None:
        """``width`` (VIKTOR's share of the screen for the inputs) is accepted and ignored."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: dict[str, Field] = inherited(cls, "_fields")
        for name, value in vars(cls).items():
            if not isinstance(value, Field):
                continue
            if not FIELD_NAME.fullmatch(name):
                raise TypeError(f'Parametrization: field name "{name}" must match {FIELD_NAME_SHOWN}')
            fields[name] = value
        cls._fields = fields

    @classmethod
    def fields(cls) -> dict[str, Field]:
        """The fields by name, in declaration order."""
        return dict(cls._fields)

    @classmethod
    def manifest(cls) -> list[dict[str, Any]]:
        """The manifest's ``parametrization``: each field's description with its ``name`` first."""
        return [{"name": name, **field.to_json()} for name, field in cls._fields.items()]
