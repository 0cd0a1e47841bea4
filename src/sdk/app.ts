import type { Field, ParamValue, Parametrization, ParamsOf } from "./fields.ts";
import type { DataResult, TableResult, WebResult } from "./results.ts";

export type ViewKind = "data" | "table" | "web";
type ResultOf<K extends ViewKind> = K extends "data"
  ? DataResult
  : K extends "table"
    ? TableResult
    : WebResult;

export interface ViewOptions {
  /** Seconds the view usually takes; the UI shows a progress hint for long ones. */
  durationGuess?: number;
}
export interface ViewContext<Params> {
  params: Params;
}
export type ViewHandler<K extends ViewKind, Params> = (
  context: ViewContext<Params>,
) => Promise<ResultOf<K>> | ResultOf<K>;

/** What an inline handler's `params` is: any field's value. Use `viewsFor(parametrization)` for exact types. */
export type LooseParams = Readonly<Record<string, ParamValue>>;

export interface View<K extends ViewKind = ViewKind, Params = never> {
  readonly kind: K;
  readonly label: string;
  readonly durationGuess: number | null;
  readonly handler: ViewHandler<K, Params>;
}

function view<K extends ViewKind, Params>(
  kind: K,
  label: string,
  options: ViewOptions,
  handler: ViewHandler<K, Params>,
): View<K, Params> {
  if (typeof label !== "string" || label.trim() === "") throw new TypeError(`${kind}View: give a label`);
  if (typeof handler !== "function")
    throw new TypeError(`${kind}View "${label}": the handler must be a function`);
  const guess = options.durationGuess;
  if (guess !== undefined && (typeof guess !== "number" || !Number.isFinite(guess) || guess < 0)) {
    throw new TypeError(`${kind}View "${label}": durationGuess must be a number of seconds`);
  }
  return Object.freeze({ kind, label, durationGuess: guess ?? null, handler });
}

/** The builder of one kind of view: a label, options, and a handler that returns that kind's result. */
const viewOf =
  <K extends ViewKind>(kind: K) =>
  <Params = LooseParams>(
    label: string,
    options: ViewOptions,
    handler: ViewHandler<K, Params>,
  ): View<K, Params> =>
    view(kind, label, options, handler);

/** A view whose handler returns a DataResult (a tree of labelled values). */
export const dataView = viewOf("data");
/** A view whose handler returns a TableResult. */
export const tableView = viewOf("table");
/** A view whose handler returns a WebResult (HTML). */
export const webView = viewOf("web");

/**
 * View builders whose handlers get exactly the params `parametrization` describes:
 * `const { dataView } = viewsFor(parametrization)`.
 */
export function viewsFor<P extends Parametrization>(_parametrization: P) {
  type Params = ParamsOf<P>;
  return {
    dataView: (label: string, options: ViewOptions, handler: ViewHandler<"data", Params>) =>
      dataView<Params>(label, options, handler),
    tableView: (label: string, options: ViewOptions, handler: ViewHandler<"table", Params>) =>
      tableView<Params>(label, options, handler),
    webView: (label: string, options: ViewOptions, handler: ViewHandler<"web", Params>) =>
      webView<Params>(label, options, handler),
  };
}

export interface AppDefinition<P extends Parametrization> {
  parametrization: P;
  // `any` for the kind: each view keeps its own result type; the params must match this parametrization.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  views: Record<string, View<any, ParamsOf<P>> | View<any, LooseParams>>;
}

/** Marks a module's default export as a Gatehouse app. */
export const APP_MARKER = Symbol.for("gatehouse.app");

export interface GatehouseApp<P extends Parametrization = Parametrization> extends AppDefinition<P> {
  readonly [APP_MARKER]: true;
}

export const VIEW_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Declares an app: its parametrization and its views, keyed by the names the views API uses
 * (`POST /api/apps/{app}/views/{view}`). Checks the names and shapes now, so a broken app fails on load.
 */
export function defineApp<P extends Parametrization>(definition: AppDefinition<P>): GatehouseApp<P> {
  const { parametrization, views } = definition ?? ({} as AppDefinition<P>);
  if (typeof parametrization !== "object" || parametrization === null) {
    throw new TypeError("defineApp: parametrization must be an object of fields ({} for none)");
  }
  for (const [name, field] of Object.entries(parametrization as Record<string, Field>)) {
    if (!FIELD_NAME.test(name))
      throw new TypeError(`defineApp: field name "${name}" must match ${FIELD_NAME}`);
    if (
      typeof field !== "object" ||
      field === null ||
      typeof (field as { type?: unknown }).type !== "string"
    ) {
      throw new TypeError(`defineApp: parametrization.${name} is not a field (use text(), textField(), ...)`);
    }
  }
  if (typeof views !== "object" || views === null || Object.keys(views).length === 0) {
    throw new TypeError("defineApp: give at least one view");
  }
  for (const [name, v] of Object.entries(views)) {
    if (!VIEW_NAME.test(name)) throw new TypeError(`defineApp: view name "${name}" must match ${VIEW_NAME}`);
    if (typeof v !== "object" || v === null || typeof v.handler !== "function") {
      throw new TypeError(
        `defineApp: views.${name} is not a view (use dataView(), tableView() or webView())`,
      );
    }
  }
  return Object.freeze({ parametrization, views, [APP_MARKER]: true as const });
}

export function isGatehouseApp(value: unknown): value is GatehouseApp {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[APP_MARKER] === true
  );
}

/** What the hub learns about an app without running its views: the manifest the app process reports. */
export interface AppManifest {
  parametrization: ({ name: string } & Field)[];
  views: { name: string; kind: ViewKind; label: string; durationGuess: number | null }[];
}

export function manifestOf(app: {
  parametrization: Parametrization;
  views: Record<string, Pick<View<ViewKind, never>, "kind" | "label" | "durationGuess">>;
}): AppManifest {
  return {
    parametrization: Object.entries(app.parametrization).map(([name, field]) => {
      const { __value: _ignored, ...plain } = field as Field & { __value?: unknown };
      return { name, ...plain };
    }),
    views: Object.entries(app.views).map(([name, v]) => ({
      name,
      kind: v.kind,
      label: v.label,
      durationGuess: v.durationGuess,
    })),
  };
}
