"""What a WebView returns: an HTML document the UI shows in a sandboxed frame (``src/sdk/results.ts``)."""

from __future__ import annotations

from typing import Any

from . import _js
from ._frozen import Frozen
from .errors import ResultError

MAX_HTML_BYTES = 5 * 1024 * 1024


class WebResult(Frozen):
    """``WebResult(html=...)``: the HTML (at most 5 MiB as UTF-8) is the app's, never the hub's page."""

    def __init__(self, *, html: str | None = None) -> None:
        if not isinstance(html, str):
            raise ResultError(f"WebResult takes html=<a string> (got {_js.type_name(html)})")
        # As Buffer.byteLength counts it: a lone surrogate is the 3 bytes of U+FFFD.
        if len(html.encode("utf-8", "surrogatepass")) > MAX_HTML_BYTES:
            raise ResultError(f"WebResult html is larger than {MAX_HTML_BYTES} bytes")
        self.html = html
        self._freeze()

    def to_json(self) -> dict[str, Any]:
        return {"type": "web", "html": self.html}
