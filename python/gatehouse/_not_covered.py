"""VIKTOR names this SDK does not provide, with why: ``vkt.Section`` fails the load with this reason instead
of a bare "module 'gatehouse' has no attribute 'Section'"."""

from __future__ import annotations

_LAYOUT = "the views API's parametrization is a flat list of fields (no sections, tabs, pages or steps)"
_VIEWS = "the web UI renders data, table and web results only"
_NO_PLACE = "the parametrization manifest has no place for it yet"

REASONS: dict[str, str] = {
    **{name: _LAYOUT for name in ("Section", "Tab", "Page", "Step")},
    **{
        name: _NO_PLACE
        for name in ("LineBreak", "OptionListElement", "Lookup", "FunctionLookup", "RowLookup")
    },
    **{
        name: _VIEWS
        for name in (
            "GeometryView",
            "GeometryResult",
            "PlotlyView",
            "PlotlyResult",
            "ImageView",
            "ImageResult",
            "PDFView",
            "PDFResult",
            "MapView",
            "MapResult",
            "IFCView",
            "IFCResult",
            "SVGView",
            "SVGResult",
            "GeoJSONView",
            "GeoJSONResult",
            "ActionButton",
            "DownloadButton",
            "SetParamsButton",
            "OptimizationButton",
            "DownloadResult",
            "SetParamsResult",
        )
    },
    "File": "apps have no file storage on Gatehouse",
    "Storage": "apps have no file storage on Gatehouse",
    "InputViolation": "the hub has no field-level error for a view's answer; raise UserError(message)",
}


def not_covered(name: str) -> AttributeError:
    reason = REASONS.get(name)
    if reason is None:
        return AttributeError(f"module 'gatehouse' has no attribute {name!r}")
    return AttributeError(f"gatehouse does not provide VIKTOR's {name}: {reason} (python/README.md)")
