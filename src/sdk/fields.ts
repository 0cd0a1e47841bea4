/**
 * The parametrization: what a user fills in before running a view. Each field builder returns a plain,
 * serialisable description (the hub shows it and validates parameters against it without loading app code);
 * the types carry what `params` holds in a view handler.
 */
import { isList } from "./guards.ts";

interface FieldBase {
  label?: string;
  description?: string;
}
export interface TextFieldOptions extends FieldBase {
  default?: string;
}
export interface NumberFieldOptions extends FieldBase {
  default?: number;
  min?: number;
  max?: number;
  step?: number;
}
export interface BooleanFieldOptions extends FieldBase {
  default?: boolean;
}
export interface OptionFieldOptions<T extends string | number> extends FieldBase {
  default?: NoInfer<T>;
}

/** Markdown shown in the parametrization; holds no value. */
export interface TextBlock {
  readonly type: "text";
  readonly content: string;
}
export interface TextField<V = string> {
  readonly type: "textField";
  readonly label: string | null;
  readonly description: string | null;
  readonly default: string | null;
  /** Type-level only: what `params.<name>` holds. */
  readonly __value?: V;
}
export interface NumberField<V = number | null> {
  readonly type: "numberField" | "integerField";
  readonly label: string | null;
  readonly description: string | null;
  readonly default: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly step: number | null;
  readonly __value?: V;
}
export interface BooleanField {
  readonly type: "booleanField";
  readonly label: string | null;
  readonly description: string | null;
  readonly default: boolean | null;
  readonly __value?: boolean;
}
export interface OptionField<T extends string | number = string | number, V = T | null> {
  readonly type: "optionField";
  readonly label: string | null;
  readonly description: string | null;
  readonly options: readonly T[];
  readonly default: T | null;
  readonly __value?: V;
}

export type Field = TextBlock | TextField | NumberField | BooleanField | OptionField;
export type ValueField = Exclude<Field, TextBlock>;
export type Parametrization = Record<string, Field>;

/** What `params` holds in a view handler for parametrization `P` (text blocks carry no value). */
export type ParamsOf<P extends Parametrization> = {
  readonly [K in keyof P as P[K] extends TextBlock ? never : K]: P[K] extends { readonly __value?: infer V }
    ? V
    : never;
};

function checkFinite(name: string, options: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value))) {
      throw new TypeError(`${name}: ${key} must be a finite number`);
    }
  }
}

function base(options: FieldBase): { label: string | null; description: string | null } {
  return { label: options.label ?? null, description: options.description ?? null };
}

/** Markdown text in the parametrization (no value). */
export function text(content: string): TextBlock {
  if (typeof content !== "string") throw new TypeError("text(): content must be a string");
  return Object.freeze({ type: "text", content });
}

export function textField(options: TextFieldOptions = {}): TextField<string> {
  return Object.freeze({ type: "textField", ...base(options), default: options.default ?? null });
}

function numeric<O extends NumberFieldOptions>(
  type: "numberField" | "integerField",
  options: O,
): NumberField<O extends { default: number } ? number : number | null> {
  checkFinite(type, options, ["default", "min", "max", "step"]);
  const { min, max, step } = options;
  if (min !== undefined && max !== undefined && min > max)
    throw new RangeError(`${type}: min is greater than max`);
  if (step !== undefined && step <= 0) throw new RangeError(`${type}: step must be positive`);
  if (type === "integerField") {
    for (const key of ["default", "min", "max", "step"] as const) {
      const value = options[key];
      if (value !== undefined && !Number.isInteger(value))
        throw new TypeError(`integerField: ${key} must be an integer`);
    }
  }
  return Object.freeze({
    type,
    ...base(options),
    default: options.default ?? null,
    min: min ?? null,
    max: max ?? null,
    step: step ?? null,
  });
}

/** A number; without a default the value may be null (left empty). */
export function numberField<O extends NumberFieldOptions>(
  options: O & NumberFieldOptions = {} as O,
): NumberField<O extends { default: number } ? number : number | null> {
  return numeric("numberField", options);
}

/** A whole number; without a default the value may be null (left empty). */
export function integerField<O extends NumberFieldOptions>(
  options: O & NumberFieldOptions = {} as O,
): NumberField<O extends { default: number } ? number : number | null> {
  return numeric("integerField", options);
}

export function booleanField(options: BooleanFieldOptions = {}): BooleanField {
  return Object.freeze({ type: "booleanField", ...base(options), default: options.default ?? null });
}

/** One of `options`; `default` must be one of them (a compile error otherwise). */
export function optionField<
  const T extends string | number,
  O extends OptionFieldOptions<T> = OptionFieldOptions<T>,
>(
  options: readonly T[],
  fieldOptions: O & OptionFieldOptions<T> = {} as O,
): OptionField<T, O extends { default: T } ? T : T | null> {
  if (!isList(options) || options.length === 0) throw new TypeError("optionField: give at least one option");
  if (fieldOptions.default !== undefined && !options.includes(fieldOptions.default)) {
    throw new TypeError(
      `optionField: default ${JSON.stringify(fieldOptions.default)} is not one of the options`,
    );
  }
  return Object.freeze({
    type: "optionField",
    ...base(fieldOptions),
    options: Object.freeze([...options]),
    default: fieldOptions.default ?? null,
  });
}

// ---- validation against the serialised form (the hub does this before a view runs) ----

export interface ParamError {
  field: string;
  message: string;
}
export type ParamValue = string | number | boolean | null;

/**
 * Checks `input` against a parametrization and fills the defaults. Unknown names are errors; a missing
 * value takes the field's default, else an empty text, false, or null. Returns the params or the errors.
 */
export function validateParams(
  parametrization: Readonly<Record<string, Field>>,
  input: unknown,
): { ok: true; params: Record<string, ParamValue> } | { ok: false; errors: ParamError[] } {
  const errors: ParamError[] = [];
  const params: Record<string, ParamValue> = {};
  const given: Record<string, unknown> =
    input === undefined || input === null
      ? {}
      : typeof input === "object" && !Array.isArray(input)
        ? (input as Record<string, unknown>)
        : {};
  if (input !== undefined && input !== null && (typeof input !== "object" || Array.isArray(input))) {
    return { ok: false, errors: [{ field: "/params", message: "must be an object of field values" }] };
  }
  for (const name of Object.keys(given)) {
    const field = Object.hasOwn(parametrization, name) ? parametrization[name] : undefined;
    if (!field || field.type === "text")
      errors.push({ field: `/params/${name}`, message: "is not a field of this app" });
  }
  for (const [name, field] of Object.entries(parametrization)) {
    if (field.type === "text") continue;
    const where = `/params/${name}`;
    const raw = Object.hasOwn(given, name) ? given[name] : undefined;
    const value = raw === undefined ? field.default : raw;
    switch (field.type) {
      case "textField":
        if (value === null) params[name] = "";
        else if (typeof value !== "string") errors.push({ field: where, message: "must be a string" });
        else if (value.length > 10_000)
          errors.push({ field: where, message: "must be at most 10000 characters" });
        else params[name] = value;
        break;
      case "numberField":
      case "integerField": {
        if (value === null) {
          params[name] = null;
          break;
        }
        if (typeof value !== "number" || !Number.isFinite(value)) {
          errors.push({ field: where, message: "must be a number" });
          break;
        }
        if (field.type === "integerField" && !Number.isInteger(value)) {
          errors.push({ field: where, message: "must be a whole number" });
          break;
        }
        if (field.min !== null && value < field.min)
          errors.push({ field: where, message: `must be at least ${field.min}` });
        else if (field.max !== null && value > field.max)
          errors.push({ field: where, message: `must be at most ${field.max}` });
        else if (field.step !== null) {
          const steps = (value - (field.min ?? 0)) / field.step;
          if (Math.abs(steps - Math.round(steps)) > 1e-9) {
            errors.push({
              field: where,
              message: `must be a multiple of ${field.step}${field.min !== null ? ` from ${field.min}` : ""}`,
            });
          } else params[name] = value;
        } else params[name] = value;
        break;
      }
      case "booleanField":
        if (value === null) params[name] = false;
        else if (typeof value !== "boolean") errors.push({ field: where, message: "must be true or false" });
        else params[name] = value;
        break;
      case "optionField":
        if (value === null) params[name] = null;
        else if (!(field.options as readonly unknown[]).includes(value)) {
          errors.push({
            field: where,
            message: `must be one of ${field.options.map((o) => JSON.stringify(o)).join(", ")}`,
          });
        } else params[name] = value as string | number;
        break;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, params };
}
