"""What a DataView returns: a tree of labelled values (``src/sdk/results.ts``, Python's names).

Each class checks its limits when it is built, so the error points at the line of app code that broke
them, and ``to_json()`` gives exactly the JSON of ``src/sdk/README.md`` ("Result JSON", "Data").
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Union

from . import _js
from ._frozen import Frozen
from .errors import ResultError

MAX_GROUP_ITEMS = 100
MAX_GROUP_DEPTH = 3
MAX_DECIMALS = 20

DataValue = Union[str, int, float, bool, None]


class DataStatus(str, Enum):
    """How a DataItem is flagged in the UI."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


_STATUSES = [status.value for status in DataStatus]
_TEXT_OPTIONS = ("prefix", "suffix", "status_message", "explanation_label")


def _checked_status(name: str, status: object) -> DataStatus | None:
    if status is None:
        return None
    if isinstance(status, str) and status in _STATUSES:
        return DataStatus(status)
    raise ResultError(f"{name}: status must be one of {', '.join(_STATUSES)} (got {status})")


class DataItem(Frozen):
    """One labelled value in a DataResult; a ``subgroup`` nests further items below it."""

    def __init__(
        self,
        label: str,
        value: DataValue = None,
        subgroup: DataGroup | None = None,
        *,
        prefix: str | None = None,
        suffix: str | None = None,
        number_of_decimals: int | None = None,
        explanation_label: str | None = None,
        status: DataStatus | str | None = None,
        status_message: str | None = None,
    ) -> None:
        if not isinstance(label, str):
            raise ResultError(f"DataItem label must be a string (got {_js.type_name(label)})")
        name = f"DataItem {_js.describe_label(label)}"
        if value is not None and not isinstance(value, (str, bool)) and not _js.is_number(value):
            raise ResultError(
                f"{name}: value must be a string, number, boolean or null (got {_js.type_name(value)})"
            )
        if _js.is_number(value) and not _js.is_finite_number(value):
            raise ResultError(f"{name}: value must be a finite number (got {_js.to_string(value)})")
        if number_of_decimals is not None:
            if not _js.is_number(value):
                raise ResultError(
                    f"{name}: number_of_decimals applies to number values only "
                    f"(value is {_js.type_name(value)})"
                )
            if not _js.is_integer(number_of_decimals) or not 0 <= number_of_decimals <= MAX_DECIMALS:
                raise ResultError(
                    f"{name}: number_of_decimals must be an integer from 0 to {MAX_DECIMALS} "
                    f"(got {_js.to_string(number_of_decimals)})"
                )
            number_of_decimals = int(number_of_decimals)
        checked_status = _checked_status(name, status)
        if subgroup is not None and not isinstance(subgroup, DataGroup):
            raise ResultError(f"{name}: subgroup must be a DataGroup")
        texts = {"prefix": prefix, "suffix": suffix}
        texts.update(status_message=status_message, explanation_label=explanation_label)
        for option in _TEXT_OPTIONS:
            # TypeScript's types check these at compile time; Python has only this run-time check.
            if texts[option] is not None and not isinstance(texts[option], str):
                raise ResultError(f"{name}: {option} must be a string (got {_js.type_name(texts[option])})")
        self.label = label
        self.value = _js.plain_number(value) if _js.is_number(value) else value  # type: ignore[arg-type]
        self.subgroup = subgroup
        self.prefix = prefix
        self.suffix = suffix
        self.number_of_decimals = number_of_decimals
        self.explanation_label = explanation_label
        self.status = checked_status
        self.status_message = status_message
        self._freeze()

    @property
    def display(self) -> str:
        """The formatted value: prefix, the number rounded to number_of_decimals, suffix."""
        if self.value is None:
            text = ""
        elif _js.is_number(self.value) and self.number_of_decimals is not None:
            text = _js.to_fixed(self.value, self.number_of_decimals)  # type: ignore[arg-type]
        else:
            text = _js.to_string(self.value)
        return " ".join(part for part in (self.prefix, text, self.suffix) if part)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "display": self.display,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "numberOfDecimals": self.number_of_decimals,
            "status": self.status.value if self.status else None,
            "statusMessage": self.status_message,
            "explanationLabel": self.explanation_label,
            "subgroup": self.subgroup.to_json() if self.subgroup is not None else None,
        }

    def __repr__(self) -> str:
        return f"DataItem({self.label!r}, {self.value!r})"


class DataGroup(Frozen):
    """An ordered group of at most 100 DataItems (keyword items follow the positional ones, as in VIKTOR)."""

    def __init__(self, *items: DataItem, **named_items: DataItem) -> None:
        all_items = (*items, *named_items.values())
        for index, item in enumerate(all_items):
            if not isinstance(item, DataItem):
                raise ResultError(
                    f"DataGroup item {index + 1} must be a DataItem (got {_js.type_name(item)})"
                )
        if len(all_items) > MAX_GROUP_ITEMS:
            extra = all_items[MAX_GROUP_ITEMS]
            raise ResultError(
                f"DataGroup has {len(all_items)} items; at most {MAX_GROUP_ITEMS} are allowed "
                f"(item {MAX_GROUP_ITEMS + 1} is DataItem {_js.describe_label(extra.label)})"
            )
        self.items: tuple[DataItem, ...] = all_items
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {"items": [item.to_json() for item in self.items]}

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)


def _check_depth(group: DataGroup, depth: int, path: list[str]) -> None:
    """Checks the nesting depth below ``group`` (depth 1 = the result's own group)."""
    for item in group.items:
        if item.subgroup is None:
            continue
        here = [*path, _js.describe_label(item.label)]
        if depth + 1 > MAX_GROUP_DEPTH:
            raise ResultError(
                f"DataItem {' > '.join(here)} has a subgroup at nesting depth {depth + 1}; "
                f"at most {MAX_GROUP_DEPTH} levels are allowed"
            )
        _check_depth(item.subgroup, depth + 1, here)


class DataResult(Frozen):
    """What a DataView returns: a tree of labelled values, at most three groups deep."""

    def __init__(self, data: DataGroup) -> None:
        if not isinstance(data, DataGroup):
            raise ResultError(f"DataResult takes a DataGroup (got {_js.type_name(data)})")
        _check_depth(data, 1, [])
        self.data = data
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {"type": "data", "groups": [self.data.to_json()]}
