"""Threads a view starts run as part of its invocation.

Python starts a thread with an empty context, so a view that fans out over a ``ThreadPoolExecutor`` (as
TypeScript views fan out over promises) would lose its capability there. The worker makes
``ThreadPoolExecutor.submit`` run each task in a copy of the submitter's context (pool threads are shared:
the task, not the thread, carries the invocation) and a ``Thread`` started during an invocation run in a
copy of the starter's.
"""

from __future__ import annotations

import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ._invocation import current_invocation

_MARK = "__gatehouse_context__"


def install() -> None:
    original_submit = ThreadPoolExecutor.submit
    if getattr(original_submit, _MARK, False):
        return
    original_start = threading.Thread.start

    def submit(self: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        # Always the submitter's context, even an empty one: a pool thread may have been started by a view.
        run: Any = contextvars.copy_context().run
        return original_submit(self, run, fn, *args, **kwargs)

    def start(self: threading.Thread) -> None:
        if current_invocation() is not None:
            context = contextvars.copy_context()
            run = self.run
            setattr(self, "run", lambda: context.run(run))
        original_start(self)

    setattr(submit, _MARK, True)
    setattr(ThreadPoolExecutor, "submit", submit)
    setattr(threading.Thread, "start", start)
