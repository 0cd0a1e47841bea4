"""The app process's memory cap: what Node's ``--max-old-space-size`` is to TypeScript apps.

The hub says how many MB of heap an app process may use (``GATEHOUSE_MEMORY_MB``); the worker caps its data
segment (``RLIMIT_DATA``: the heap and every private writable mapping, thread stacks included) at that plus
room for the stacks of as many threads as the process may have (``RLIMIT_NPROC``, 128 in the sandbox), each
made ``THREAD_STACK_BYTES`` (2 MiB: deep recursion through C code needs about 1 MiB). The cap is set before
the app loads and cannot be raised by it. Past it an allocation fails with ``MemoryError``: the view that
made it fails (``View "x" ran out of memory …``), the process and its other views carry on.
"""

from __future__ import annotations

import os
import resource
import threading

THREAD_STACK_BYTES = 2 * 1024 * 1024
#: Threads counted when the process has no cap on them (no sandbox): the worker's 64 views and some more.
UNCAPPED_THREADS = 128
_MIB = 1024 * 1024

_heap_mb: int | None = None


def heap_mb() -> int | None:
    """The cap the hub gave, in MB, once applied; None when it gave none."""
    return _heap_mb


def _threads_allowed() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    return UNCAPPED_THREADS if soft == resource.RLIM_INFINITY else min(int(soft), 1024)


def apply_cap() -> None:
    """Caps the data segment from ``GATEHOUSE_MEMORY_MB`` (no variable: no cap, e.g. a worker run by hand)."""
    global _heap_mb
    raw = os.environ.get("GATEHOUSE_MEMORY_MB", "")
    if not raw.isdigit() or int(raw) == 0:
        return
    threading.stack_size(THREAD_STACK_BYTES)
    limit = int(raw) * _MIB + _threads_allowed() * THREAD_STACK_BYTES
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    _heap_mb = int(raw)
