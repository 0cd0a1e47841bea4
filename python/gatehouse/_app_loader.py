"""Loading an app: its requirements, its entry module, its Controller (what ``ready`` or ``load_error`` says).

A load error names the app's own file and line, the way the TypeScript runtime names ``file:line:column``:
``app.py:12: NameError: name 'vkt' is not defined``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType

from . import _requirements
from .views import Controller

REQUIREMENTS_FILE = "requirements.txt"


class AppLoadError(Exception):
    """The app cannot run; the message is what the hub shows as the app's load error."""


def _relative(path: str, app_dir: Path) -> str | None:
    if path.startswith("<"):  # <frozen importlib._bootstrap>, <string>: no file of the app's
        return None
    try:
        resolved = Path(path).resolve()
    except (OSError, ValueError):
        return None
    return resolved.relative_to(app_dir).as_posix() if resolved.is_relative_to(app_dir) else None


def describe_exception(err: BaseException, app_dir: Path) -> str:
    """``file:line: Type: message`` at the app's innermost frame (its own files, not the libraries')."""
    where = None
    if isinstance(err, SyntaxError) and err.filename:
        file = _relative(err.filename, app_dir)
        where = f"{file}:{err.lineno}" if file and err.lineno else file
        text = err.msg
    else:
        for frame in reversed(traceback.extract_tb(err.__traceback__)):
            file = _relative(frame.filename, app_dir)
            if file is not None:
                where = f"{file}:{frame.lineno}"
                break
        text = str(err)
    what = f"{type(err).__name__}: {text}" if text else type(err).__name__
    if isinstance(err, ModuleNotFoundError) and err.name:
        what += f" ({_requirements.missing_module_hint(err.name)})"
    return f"{where}: {what}" if where else what


def _module_name(entry: Path) -> str:
    return entry.parent.name if entry.name == "__init__.py" else entry.stem


def _import_entry(app_dir: Path, entry: Path) -> ModuleType:
    name = _module_name(entry)
    if not name.isidentifier():
        raise AppLoadError(f"{entry.name}: the entry's module name {name!r} is not a Python identifier")
    if name in sys.modules:
        raise AppLoadError(
            f"{entry.relative_to(app_dir).as_posix()}: the module name {name!r} is taken by "
            f"{getattr(sys.modules[name], '__file__', None) or 'a built-in module'}; rename the entry"
        )
    locations = [str(entry.parent)] if entry.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, entry, submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise AppLoadError(f"{entry.name}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as err:  # SystemExit at import too: the app failed to load, the worker reports it
        sys.modules.pop(name, None)
        traceback.print_exception(err, file=sys.stderr)
        raise AppLoadError(describe_exception(err, app_dir)) from None
    return module


def find_controller(module: ModuleType, entry_name: str) -> type[Controller]:
    """``module.Controller`` (VIKTOR's convention), else the one Controller subclass the module defines."""
    named = getattr(module, "Controller", None)
    if isinstance(named, type) and issubclass(named, Controller) and named is not Controller:
        controller = named
    else:
        defined = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Controller)
            and value is not Controller
            and value.__module__ == module.__name__
        ]
        if not defined:
            raise AppLoadError(
                f"{entry_name} defines no Controller: an app needs `class Controller(vkt.Controller)`"
            )
        if len(defined) > 1:
            names = ", ".join(value.__name__ for value in defined)
            raise AppLoadError(
                f"{entry_name} defines {len(defined)} Controllers ({names}); name the app's one Controller"
            )
        controller = defined[0]
    if not controller.views():
        raise AppLoadError(
            f"{entry_name}: {controller.__name__} has no views: decorate a method with "
            "@vkt.DataView, @vkt.TableView or @vkt.WebView"
        )
    return controller


def load_app(app_dir: str, entry: str) -> type[Controller]:
    """Checks the app's requirements, imports its entry and returns its Controller; AppLoadError else."""
    root = Path(app_dir).resolve()
    if not root.is_dir():
        raise AppLoadError(f"{app_dir}: not a directory")
    entry_path = (root / entry).resolve()
    if not entry_path.is_relative_to(root) or not entry_path.is_file():
        raise AppLoadError(f"{entry}: no such file in the app directory")
    requirements = root / REQUIREMENTS_FILE
    if requirements.is_file():
        report = _requirements.check_file(requirements)
        if report.missing:
            raise AppLoadError(report.load_error())
    # The app's own modules import as in VIKTOR (the app directory first; a script entry's own directory too).
    search = [root] if entry_path.name == "__init__.py" else [root, entry_path.parent]
    for path in dict.fromkeys(str(p) for p in reversed(search)):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.chdir(root)
    module = _import_entry(root, entry_path)
    return find_controller(module, entry_path.relative_to(root).as_posix())
