/**
 * Tiny shape assertions for wire bodies: exact field names (no missing, no extra) and JSON types, so a
 * fidelity test reads like the PROVIDERS.md line it checks.
 *
 *   "string" | "number" | "integer" | "boolean" | "null" | "any", unions with "|" ("string|null"),
 *   [shape] for an array whose every item has that shape, { field: shape } for an object;
 *   a key ending in "?" may be absent; oneOf(a, b) for alternatives such as `{href} | null`.
 */
export type Shape = string | Shape[] | { [field: string]: Shape } | OneOf;

export class OneOf {
  constructor(readonly options: Shape[]) {}
}
export const oneOf = (...options: Shape[]): OneOf => new OneOf(options);

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function problemsOf(value: unknown, shape: Shape, path: string): string[] {
  if (shape instanceof OneOf) {
    const attempts = shape.options.map((option) => problemsOf(value, option, path));
    return attempts.some((p) => p.length === 0)
      ? []
      : [`${path}: matches none of the alternatives (${attempts.flat().join("; ")})`];
  }
  if (typeof shape === "string") {
    const wanted = shape.split("|");
    const actual = typeName(value);
    const ok =
      wanted.includes("any") ||
      wanted.includes(actual) ||
      (actual === "number" && wanted.includes("integer") && Number.isInteger(value));
    return ok ? [] : [`${path}: expected ${shape}, got ${actual} (${JSON.stringify(value)})`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected array, got ${typeName(value)}`];
    return value.flatMap((item, i) => problemsOf(item, shape[0]!, `${path}[${i}]`));
  }
  if (typeName(value) !== "object") return [`${path}: expected object, got ${typeName(value)}`];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  const allowed = new Set<string>();
  for (const [rawKey, fieldShape] of Object.entries(shape)) {
    const optional = rawKey.endsWith("?");
    const key = optional ? rawKey.slice(0, -1) : rawKey;
    allowed.add(key);
    if (!(key in record)) {
      if (!optional) problems.push(`${path}.${key}: missing`);
      continue;
    }
    problems.push(...problemsOf(record[key], fieldShape, `${path}.${key}`));
  }
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) problems.push(`${path}.${key}: unexpected field`);
  }
  return problems;
}

/** Throws listing every mismatch between `value` and `shape`. */
export function assertShape(value: unknown, shape: Shape, label = "body"): void {
  const problems = problemsOf(value, shape, label);
  if (problems.length > 0) throw new Error(`shape mismatch:\n  ${problems.join("\n  ")}`);
}
