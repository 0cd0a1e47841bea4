"""Class-level declarations (a Parametrization's fields, a Controller's views) that subclasses inherit."""

from __future__ import annotations

from typing import Any


def inherited(cls: type, attribute: str) -> dict[str, Any]:
    """The ``attribute`` dicts of ``cls``'s bases merged, farthest first: a nearer base's entry wins."""
    merged: dict[str, Any] = {}
    for base in reversed(cls.__mro__[1:]):
        merged.update(getattr(base, attribute, {}))
    return merged
