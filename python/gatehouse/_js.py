"""How the TypeScript SDK writes values into messages and ``display`` strings, done the same way here.

The hub and the web UI are JavaScript: a DataItem's ``display`` and the labels quoted in error messages
must come out exactly as ``String(value)``, ``Number.prototype.toFixed`` and ``JSON.stringify`` give them,
or the same app would read differently in the two languages (``1.0`` is ``"1"``, ``True`` is ``"true"``,
``2.5`` rounds to ``"3"``, and a label is cut after 57 UTF-16 code units, not code points).
"""

from __future__ import annotations

import json
import math
import numbers
import re
from decimal import ROUND_HALF_UP, Context, Decimal

# What String.prototype.trim() removes: WhiteSpace and LineTerminator (ECMA-262), which differs from
# str.strip() (Python strips \x1c-\x1f, JavaScript strips \ufeff).
_JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Enough digits for any double below 1e21 with up to 100 decimals (toFixed's range): no rounding but ours.
_EXACT = Context(prec=200)


def is_number(value: object) -> bool:
    """True for real numbers (int, float, numpy's…), never for bool (an int in Python, not in JSON)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def plain_number(value: int | float) -> int | float:
    """A number as JSON can carry it: numpy's int64 and float64, Fraction… become int or float."""
    if type(value) in (int, float):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def is_finite_number(value: object) -> bool:
    if not is_number(value):
        return False
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a double is Infinity in JavaScript
        return False


def is_integer(value: object) -> bool:
    """``Number.isInteger``: a finite number with no fractional part (``2.0`` is one)."""
    return is_finite_number(value) and float(value) == math.floor(float(value))  # type: ignore[arg-type]


def number_to_string(value: int | float) -> str:
    """``String(number)`` (ECMA-262 Number::toString): shortest round-trip digits, JavaScript's layout."""
    try:
        x = float(value)
    except OverflowError:
        return "-Infinity" if value < 0 else "Infinity"
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + number_to_string(-x)
    # repr gives the shortest digits that round-trip, the same digits JavaScript picks.
    _, digit_tuple, exponent = Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    n = int(exponent) + len(digits)  # value = 0.digits × 10^n
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    sign = "+" if n - 1 >= 0 else "-"
    head = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(n - 1)}"


def to_fixed(value: int | float, decimals: int) -> str:
    """``Number.prototype.toFixed``: exact decimal value of the double, ties away from zero."""
    x = float(value)
    if not math.isfinite(x) or abs(x) >= 1e21:
        return number_to_string(x)
    if x == 0:
        x = 0.0  # toFixed drops the sign of -0
    quantum = Decimal(1).scaleb(-decimals)
    rounded = Decimal(x).quantize(quantum, rounding=ROUND_HALF_UP, context=_EXACT)
    return f"{rounded:f}"


def json_string(text: str) -> str:
    """``JSON.stringify(string)``: non-ASCII kept, control characters and lone surrogates escaped."""
    encoded = json.dumps(text, ensure_ascii=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


def json_value(value: object) -> str:
    """``JSON.stringify`` of a scalar cell or option value, as the TypeScript SDK quotes it in messages."""
    if isinstance(value, str):
        return json_string(value)
    if is_number(value) and not is_finite_number(value):
        return "null"
    return to_string(value) if value is None or isinstance(value, bool) or is_number(value) else repr(value)


def to_string(value: object) -> str:
    """``String(value)`` for the values a result holds (strings, numbers, booleans, null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return number_to_string(value)  # type: ignore[arg-type]
    return str(value)


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def utf16_slice(text: str, end: int) -> str:
    """``text.slice(0, end)`` in UTF-16 code units (may end in half a surrogate pair, as JavaScript's does)."""
    return text.encode("utf-16-le", "surrogatepass")[: 2 * end].decode("utf-16-le", "surrogatepass")


def trim(text: str) -> str:
    return text.strip(_JS_WHITESPACE)


def describe_label(label: str) -> str:
    """A label as messages quote it: JSON, cut to 57 UTF-16 units plus ``...`` past 60."""
    shown = utf16_slice(label, 57) + "..." if utf16_length(label) > 60 else label
    return json_string(shown)


def type_name(value: object) -> str:
    """How a message names the type of a wrong value, in Python's words (``None``, ``str``, ``list``…)."""
    return "None" if value is None else type(value).__name__
