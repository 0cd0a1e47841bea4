"""What a TableView returns: rows of cells (``src/sdk/results.ts``, Python's names).

Checks happen when a result is built, in the same order and with the same limits as the TypeScript SDK;
``to_json()`` gives the JSON of ``src/sdk/README.md`` ("Result JSON", "Table").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Union

from . import _js
from ._frozen import Frozen
from .errors import ResultError

MAX_TABLE_CELLS = 100_000
MAX_DECIMALS = 20

TableValue = Union[str, int, float, bool, None]

# fullmatch, not $: Python's $ also matches before a trailing newline.
_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_TEXT_STYLES = ("bold", "italic", "underline")
_ALIGNS = ("left", "center", "right")


class Color(Frozen):
    """VIKTOR's ``Color(r, g, b)``, for cell colors; a hex string like ``"#b00020"`` works as well."""

    def __init__(self, r: int, g: int, b: int) -> None:
        for channel, value in (("r", r), ("g", g), ("b", b)):
            if not _js.is_integer(value) or not 0 <= value <= 255:
                raise ValueError(f"Color: {channel} must be a whole number from 0 to 255 (got {value!r})")
        self.r, self.g, self.b = int(r), int(g), int(b)
        self._freeze()

    @classmethod
    def from_hex(cls, hex_value: str) -> Color:
        if not isinstance(hex_value, str) or not _COLOR.fullmatch(hex_value):
            raise ValueError(f"Color.from_hex: {hex_value!r} is not a hex color like #1a2b3c")
        digits = hex_value[1:]
        if len(digits) == 3:
            digits = "".join(char * 2 for char in digits)
        return cls(int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))

    @property
    def hex(self) -> str:
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Color) and (self.r, self.g, self.b) == (other.r, other.g, other.b)

    def __hash__(self) -> int:
        return hash((self.r, self.g, self.b))

    def __repr__(self) -> str:
        return f"Color({self.r}, {self.g}, {self.b})"


def _check_value(value: object, where: str) -> TableValue:
    if value is None or isinstance(value, (str, bool)):
        return value
    if _js.is_finite_number(value):
        return _js.plain_number(value)  # type: ignore[arg-type]
    raise ResultError(
        f"{where}: a cell value must be a string, finite number, boolean or null (got {_js.type_name(value)})"
    )


def _color(value: object, option: str, cell: TableValue) -> str | None:
    if value is None:
        return None
    if isinstance(value, Color):
        return value.hex
    if isinstance(value, str) and _COLOR.fullmatch(value):
        return value
    shown = value if isinstance(value, str) else _js.to_string(value)
    raise ResultError(
        f"TableCell {_js.json_value(cell)}: {option} must be a hex color like #1a2b3c (got {shown})"
    )


class TableCell(Frozen):
    """One styled table cell; plain values in a row are cells without styling."""

    def __init__(
        self,
        value: TableValue,
        *,
        text_color: str | Color | None = None,
        background_color: str | Color | None = None,
        text_style: str | None = None,
    ) -> None:
        self.value = _check_value(value, "TableCell")
        self.text_color = _color(text_color, "text_color", value)
        self.background_color = _color(background_color, "background_color", value)
        if text_style is not None and text_style not in _TEXT_STYLES:
            raise ResultError(
                f"TableCell {_js.json_value(value)}: text_style must be one of {', '.join(_TEXT_STYLES)}"
            )
        self.text_style = text_style
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "textColor": self.text_color,
            "backgroundColor": self.background_color,
            "textStyle": self.text_style,
        }


class TableHeader(Frozen):
    """A column or row header; numbers in its column (or row) are shown with ``num_decimals`` decimals."""

    def __init__(self, title: str, *, align: str | None = None, num_decimals: int | None = None) -> None:
        if not isinstance(title, str):
            raise ResultError(f"TableHeader title must be a string (got {_js.type_name(title)})")
        if align is not None and align not in _ALIGNS:
            raise ResultError(
                f"TableHeader {_js.describe_label(title)}: align must be one of {', '.join(_ALIGNS)}"
            )
        if num_decimals is not None:
            if not _js.is_integer(num_decimals) or not 0 <= num_decimals <= MAX_DECIMALS:
                raise ResultError(
                    f"TableHeader {_js.describe_label(title)}: num_decimals must be an integer from 0 to "
                    f"{MAX_DECIMALS} (got {_js.to_string(num_decimals)})"
                )
            num_decimals = int(num_decimals)
        self.title = title
        self.align = align
        self.num_decimals = num_decimals
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "align": self.align, "numDecimals": self.num_decimals}


def _is_list(value: object) -> bool:
    return isinstance(value, (list, tuple))


def _headers(headers: object, option: str) -> tuple[TableHeader, ...] | None:
    if headers is None:
        return None
    if not _is_list(headers):
        raise ResultError(f"TableResult {option} must be a list of headers (got {_js.type_name(headers)})")
    items: Sequence[object] = headers  # type: ignore[assignment]
    return tuple(h if isinstance(h, TableHeader) else TableHeader(h) for h in items)  # type: ignore[arg-type]


class TableResult(Frozen):
    """What a TableView returns: a list of rows, each a list of values or TableCells, every row as long as
    the column headers (or as the first row, without headers); at most 100,000 cells."""

    def __init__(
        self,
        data: Sequence[Sequence[TableValue | TableCell]],
        *,
        column_headers: Sequence[str | TableHeader] | None = None,
        row_headers: Sequence[str | TableHeader] | None = None,
        enable_sorting_and_filtering: bool | None = None,
    ) -> None:
        if not _is_list(data):
            raise ResultError(f"TableResult rows must be a list of rows (got {_js.type_name(data)})")
        self.column_headers = _headers(column_headers, "column_headers")
        self.row_headers = _headers(row_headers, "row_headers")
        first = data[0] if data else None
        width = (
            len(self.column_headers)
            if self.column_headers is not None
            else (len(first) if _is_list(first) else 0)  # type: ignore[arg-type]
        )
        width_source = (
            f"{width} column headers" if self.column_headers is not None else f"row 1 has {width} cells"
        )
        cells = 0
        rows: list[tuple[TableCell, ...]] = []
        for r, row in enumerate(data):
            if not _is_list(row):
                raise ResultError(f"TableResult row {r + 1} must be a list of cells")
            if len(row) != width:
                raise ResultError(f"TableResult row {r + 1} has {len(row)} cells but {width_source}")
            cells += len(row)
            if cells > MAX_TABLE_CELLS:
                raise ResultError(f"TableResult has more than {MAX_TABLE_CELLS} cells")
            rows.append(
                tuple(
                    cell
                    if isinstance(cell, TableCell)
                    else TableCell(_check_value(cell, f"TableResult row {r + 1} cell {c + 1}"))
                    for c, cell in enumerate(row)
                )
            )
        if self.row_headers is not None and len(self.row_headers) != len(rows):
            raise ResultError(
                f"TableResult has {len(rows)} rows but {len(self.row_headers)} row headers; "
                "give one header per row"
            )
        if enable_sorting_and_filtering is not None and not isinstance(enable_sorting_and_filtering, bool):
            raise ResultError(
                "TableResult enable_sorting_and_filtering must be True or False "
                f"(got {_js.type_name(enable_sorting_and_filtering)})"
            )
        self.rows: tuple[tuple[TableCell, ...], ...] = tuple(rows)
        self.enable_sorting_and_filtering = bool(enable_sorting_and_filtering)
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "table",
            "columnHeaders": [h.to_json() for h in self.column_headers]
            if self.column_headers is not None
            else None,
            "rowHeaders": [h.to_json() for h in self.row_headers] if self.row_headers is not None else None,
            "rows": [[cell.to_json() for cell in row] for row in self.rows],
            "enableSortingAndFiltering": self.enable_sorting_and_filtering,
        }
