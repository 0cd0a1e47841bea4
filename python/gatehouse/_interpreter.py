"""What the hub must know of an interpreter to run apps with it in the sandbox, as one line of JSON:

    python3 -I <gatehouse>/python/gatehouse/_interpreter.py

The hub runs this with ``GATEHOUSE_PYTHON`` outside the sandbox, then mounts read-only exactly what it names:
the interpreter's program (the path it runs as, which in a venv is the venv's own link, and every link down
to the real file), the directories on ``sys.path`` (the standard library, ``lib-dynload``, site- and
dist-packages, a venv's), a venv's ``pyvenv.cfg`` (without it the interpreter would not know it is a venv),
and the few files those directories link out to (Debian's ``sitecustomize.py`` lives in ``/etc``) or that
the program loads (a shared ``libpython`` outside the system's library directories).

Written for Python 3.7 and later so that an interpreter too old for apps can still say its version; the hub
refuses it with that version in the message. Runs nothing of the SDK (it imports only the standard library).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import sysconfig
from typing import Any


def _existing(path: str | None) -> str | None:
    return path if path and os.path.exists(path) else None


def _linked_out() -> list[str]:
    """Modules every start imports that are links out of their directory (Debian: sitecustomize -> /etc)."""
    found = []
    for name in ("sitecustomize",):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = getattr(spec, "origin", None)
        if origin and os.path.islink(origin):
            found.append(os.path.realpath(origin))
    return found


def _shared_library() -> str | None:
    """A shared libpython the program loads, when the build has one (``--enable-shared``)."""
    if not sysconfig.get_config_var("Py_ENABLE_SHARED"):
        return None
    libdir = sysconfig.get_config_var("LIBDIR")
    name = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    return _existing(os.path.join(libdir, name)) if libdir and name else None


def facts() -> dict[str, Any]:
    path = [entry for entry in sys.path if entry]
    venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix)
    files = _linked_out()
    shared = _shared_library()
    if shared:
        files.append(shared)
    return {
        "executable": sys.executable,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "implementation": sys.implementation.name,
        "prefix": sys.prefix,
        "basePrefix": getattr(sys, "base_prefix", sys.prefix),
        "path": path,
        "venvConfig": _existing(os.path.join(sys.prefix, "pyvenv.cfg")) if venv else None,
        "files": files,
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(facts()) + "\n")
