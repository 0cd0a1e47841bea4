"""VIKTOR's ``progress_message``: Gatehouse shows no progress bar (a view answers once), so the message goes
to the app log, where ``gatehouse dev`` and the hub's log show it."""

from __future__ import annotations

import sys


def progress_message(message: str, percentage: float | None = None) -> None:
    """Writes ``message`` (and the percentage, when given) to the app log as one line."""
    done = f" ({percentage:g}%)" if isinstance(percentage, (int, float)) else ""
    print(f"progress: {message}{done}", file=sys.stdout, flush=True)
