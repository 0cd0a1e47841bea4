"""The worker's HTTP hooks: calls from ``requests``, ``urllib.request`` and ``httpx`` to the platforms' real
API hosts reach the emulators in the sandbox, as ``fetch()`` does for TypeScript apps, with nothing in app
code. ``urllib`` is hooked at once; ``requests`` and ``httpx`` when (and if) they are imported, so an app
that uses neither never pays for importing them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from . import httpx_hook, requests_hook, urllib_hook

_PATCHES: dict[str, Callable[[ModuleType], None]] = {
    "requests": requests_hook.install,
    "httpx": httpx_hook.install,
}


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds ``requests`` and ``httpx`` as the normal path finder would, and hooks them once executed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        found = _PATCHES.get(fullname)
        if found is None:
            return None
        patch: Callable[[ModuleType], None] = found
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader: Any = spec.loader if spec is not None else None
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return None
        execute: Callable[[ModuleType], None] = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            execute(module)
            patch(module)

        loader.exec_module = exec_module
        return spec


def hook_imported() -> None:
    """Hooks requests and httpx if imported and not hooked yet (each hook skips a module it already hooked):
    the worker calls it before each invocation, for a module imported past the finder below."""
    for name, patch in _PATCHES.items():
        module = sys.modules.get(name)
        # Still being imported (by another view's thread): the finder's hook will see to it.
        if module is None or getattr(getattr(module, "__spec__", None), "_initializing", False):
            continue
        try:
            patch(module)
        except AttributeError:  # a module of that name that is not the library (an app's own requests.py)
            pass


def install() -> None:
    """Hooks urllib now, requests and httpx now if already imported, else when they are."""
    urllib_hook.install()
    hook_imported()
    if not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
