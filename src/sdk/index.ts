/**
 * `gatehouse/sdk`: what app code imports. See src/sdk/README.md for the result JSON the views API returns
 * and README.md "Write an app" for a walk-through.
 */
export { defineApp, dataView, tableView, webView, viewsFor } from "./app.ts";
export type {
  AppDefinition,
  GatehouseApp,
  LooseParams,
  View,
  ViewContext,
  ViewHandler,
  ViewKind,
  ViewOptions,
} from "./app.ts";
export { text, textField, numberField, integerField, booleanField, optionField } from "./fields.ts";
export type {
  BooleanField,
  Field,
  NumberField,
  OptionField,
  ParamValue,
  Parametrization,
  ParamsOf,
  TextBlock,
  TextField,
} from "./fields.ts";
export {
  DataResult,
  DataGroup,
  DataItem,
  DataStatus,
  TableResult,
  TableCell,
  TableHeader,
  WebResult,
  ResultError,
} from "./results.ts";
export type {
  DataItemOptions,
  DataItemNumberOptions,
  DataValue,
  TableCellOptions,
  TableHeaderOptions,
  TableResultOptions,
  TableValue,
  ViewResult,
  ViewResultJSON,
} from "./results.ts";
export { OAuth2Integration } from "./integration.ts";
export type { IntegrationFetchInit } from "./integration.ts";
export { resolveUrl } from "./invocation.ts";
export {
  GatehouseSdkError,
  LoginRequiredError,
  IntegrationNotFoundError,
  IntegrationNotAssignedError,
  ProviderUnavailableError,
  ProviderHttpError,
  UserError,
} from "./errors.ts";
export { explainProviderError, explainApsHubsWarning } from "./explain.ts";
