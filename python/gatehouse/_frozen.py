"""Results and fields check their limits when they are built; freezing them keeps those checks true."""

from __future__ import annotations

from typing import Any


class Frozen:
    """Attributes may be set in ``__init__`` only; ``_freeze()`` ends that (a later change would skip the checks)."""

    __frozen = False

    def _freeze(self) -> None:
        object.__setattr__(self, "_Frozen__frozen", True)

    def __setattr__(self, name: str, value: Any) -> None:
        if self.__frozen:
            raise AttributeError(f"{type(self).__name__} cannot be changed once built; build a new one")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if self.__frozen:
            raise AttributeError(f"{type(self).__name__} cannot be changed once built; build a new one")
        object.__delattr__(self, name)
