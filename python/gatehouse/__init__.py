"""Gatehouse's Python SDK: the names of VIKTOR's SDK, so an app written for VIKTOR runs on Gatehouse with its
import line changed to ``import gatehouse as vkt``.

    import gatehouse as vkt

    class Parametrization(vkt.Parametrization):
        intro = vkt.Text("# Bentley iTwin browser")

    class Controller(vkt.Controller):
        parametrization = Parametrization

        @vkt.DataView("Bentley data", duration_guess=2)
        def get_bentley_data(self, params, **kwargs):
            token = vkt.external.OAuth2Integration("bentley-itwin").get_access_token()
            ...
            return vkt.DataResult(vkt.DataGroup(vkt.DataItem("Result", "No iTwins found")))

Pure standard library, Python 3.11+. The result JSON, limits and messages are those of the TypeScript SDK
(``src/sdk/``); ``python/README.md`` lists which of VIKTOR's names are covered.
"""

from __future__ import annotations

from . import external
from ._not_covered import not_covered
from ._invocation import resolve_url
from .data_result import DataGroup, DataItem, DataResult, DataStatus
from .errors import (
    CapabilityError,
    GatehouseError,
    IntegrationNotAssignedError,
    IntegrationNotFoundError,
    LoginRequiredError,
    ProviderHttpError,
    ProviderUnavailableError,
    ResultError,
    UserError,
)
from .explain import explain_aps_hubs_warning, explain_provider_error
from .fields import (
    BooleanField,
    IntegerField,
    NumberField,
    OptionField,
    Parametrization,
    Text,
    TextField,
)
from .progress import progress_message
from .table_result import Color, TableCell, TableHeader, TableResult
from .views import Controller, DataView, Params, TableView, WebView
from .web_result import WebResult

#: VIKTOR's older names for the same classes (``viktor.ViktorController``, ``viktor.ViktorParametrization``).
ViktorController = Controller
ViktorParametrization = Parametrization


def __getattr__(name: str) -> object:
    """VIKTOR names this SDK does not provide fail with the reason (e.g. ``vkt.Section``)."""
    raise not_covered(name)


__all__ = [
    "BooleanField",
    "CapabilityError",
    "Color",
    "Controller",
    "DataGroup",
    "DataItem",
    "DataResult",
    "DataStatus",
    "DataView",
    "GatehouseError",
    "IntegerField",
    "IntegrationNotAssignedError",
    "IntegrationNotFoundError",
    "LoginRequiredError",
    "NumberField",
    "OptionField",
    "Params",
    "Parametrization",
    "ProviderHttpError",
    "ProviderUnavailableError",
    "ResultError",
    "TableCell",
    "TableHeader",
    "TableResult",
    "TableView",
    "Text",
    "TextField",
    "UserError",
    "ViktorController",
    "ViktorParametrization",
    "WebResult",
    "WebView",
    "explain_aps_hubs_warning",
    "explain_provider_error",
    "external",
    "progress_message",
    "resolve_url",
]
