/**
 * GET /api/apps/{app} as the app page reads it. The OpenAPI description names the parts (parametrization schema, views,
 * required integrations and their connection state) but not their layout, so lists are accepted as arrays
 * or as objects keyed by name.
 */

import { asText } from "./text.ts";

export type FieldType =
  "text" | "textField" | "numberField" | "integerField" | "booleanField" | "optionField";

export interface FieldOption {
  value: string | number;
  label: string;
}

export interface Field {
  name: string;
  type: FieldType;
  label: string;
  default?: unknown;
  description?: string;
  min?: number;
  max?: number;
  step?: number;
  options?: FieldOption[];
  /** For `text` fields: the markdown shown. */
  text?: string;
}

export interface ViewInfo {
  name: string;
  label: string;
  type: string;
  durationGuess: number | null;
}

export interface AppIntegration {
  name: string;
  connected: boolean;
  grantType?: string;
  /** A configuration problem (unknown integration, not assigned), as a sentence. */
  problem?: string;
}

export interface AppDetail {
  name: string;
  title: string;
  description?: string;
  fields: Field[];
  views: ViewInfo[];
  integrations: AppIntegration[];
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `[{name,…}]` or `{name: {…}}` → `[{name,…}]`, in order. */
function named(raw: unknown): Obj[] {
  if (Array.isArray(raw)) return raw.map((v) => (isObj(v) ? v : { name: String(v) }));
  if (isObj(raw))
    return Object.entries(raw).map(([name, v]) => (isObj(v) ? { name, ...v } : { name, value: v }));
  return [];
}

const fieldTypes: Record<string, FieldType> = {
  text: "text",
  textfield: "textField",
  string: "textField",
  numberfield: "numberField",
  number: "numberField",
  integerfield: "integerField",
  integer: "integerField",
  booleanfield: "booleanField",
  boolean: "booleanField",
  optionfield: "optionField",
  option: "optionField",
  select: "optionField",
};

function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

function toField(o: Obj): Field {
  const type = fieldTypes[asText(o.type ?? o.kind ?? "textField").toLowerCase()] ?? "textField";
  const name = asText(o.name);
  const options = Array.isArray(o.options)
    ? o.options.map((opt) =>
        isObj(opt)
          ? { value: opt.value as string | number, label: asText(opt.label ?? opt.value) }
          : { value: opt as string | number, label: asText(opt) },
      )
    : undefined;
  return {
    name,
    type,
    label: str(o.label) ?? humanize(name),
    default: o.default,
    description: str(o.description),
    min: num(o.min),
    max: num(o.max),
    step: num(o.step),
    options,
    text: str(o.text) ?? str(o.value) ?? str(o.content) ?? (type === "text" ? str(o.label) : undefined),
  };
}

function toView(o: Obj): ViewInfo {
  const name = asText(o.name);
  return {
    name,
    label: str(o.label) ?? str(o.title) ?? humanize(name),
    type: asText(o.type ?? o.kind ?? "data"),
    durationGuess: num(o.durationGuess) ?? num((o.options as Obj | undefined)?.durationGuess) ?? null,
  };
}

/** The hub reports integration problems as codes; these are the sentences people read. */
const integrationProblems: Record<string, (name: string) => string> = {
  not_found: (name) =>
    `The integration ${name} does not exist on this hub. Ask your administrator to create it.`,
  not_assigned: (name) =>
    `The integration ${name} is not assigned to this app. Ask your administrator to assign it.`,
};

function sentence(text: string): string {
  const trimmed = text.trim();
  // A sentence that starts with a name (an integration, an app, a config key) keeps its spelling.
  const startsWithWord = /^[a-z]+(\s|$)/.test(trimmed);
  const capital = startsWithWord ? trimmed.charAt(0).toUpperCase() + trimmed.slice(1) : trimmed;
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function problemText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (isObj(v)) return str(v.detail) ?? str(v.message) ?? str(v.title);
  return undefined;
}

export function parseApp(raw: unknown): AppDetail {
  const o = isObj(raw) ? raw : {};
  const schema = o.parametrization ?? o.params ?? o.fields;
  const fieldSource =
    isObj(schema) && ("fields" in schema || "properties" in schema)
      ? (schema.fields ?? schema.properties)
      : schema;
  const integrations = named(o.integrations ?? o.oauth2_integrations ?? o.requiredIntegrations).map((i) => {
    const name = asText(i.name);
    const raw = problemText(i.problem ?? i.error);
    const problem = raw ? (integrationProblems[raw]?.(name) ?? sentence(raw)) : undefined;
    return {
      name,
      connected: i.connected === true || i.status === "connected" || i.status === "service",
      grantType: str(i.grantType) ?? (i.status === "service" ? "client_credentials" : undefined),
      problem,
    };
  });
  const reported = [
    ...(Array.isArray(o.problems) ? (o.problems as unknown[]) : []),
    ...(Array.isArray(o.warnings) ? (o.warnings as unknown[]) : []),
  ]
    .map(problemText)
    .filter((p): p is string => Boolean(p))
    .map(sentence);
  const loadError = problemText(o.error);
  const problems = loadError
    ? [`This app could not be loaded: ${sentence(loadError)}`, ...reported]
    : reported;
  return {
    name: asText(o.name),
    title: str(o.title) ?? asText(o.name),
    description: str(o.description),
    fields: named(fieldSource).map(toField),
    views: named(o.views).map(toView),
    integrations,
    problems,
  };
}

/** The starting value of each field (text fields hold none). */
export function defaultParams(fields: Field[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const f of fields) {
    if (f.type === "text") continue;
    if (f.default !== undefined) params[f.name] = f.default;
    else if (f.type === "booleanField") params[f.name] = false;
    else if (f.type === "optionField") params[f.name] = f.options?.[0]?.value ?? null;
    else if (f.type === "textField") params[f.name] = "";
    else params[f.name] = null;
  }
  return params;
}

/** The integrations the user still has to log in to (service integrations need no user login). */
export function missingLogins(app: AppDetail): AppIntegration[] {
  return app.integrations.filter((i) => !i.connected && !i.problem && i.grantType !== "client_credentials");
}
