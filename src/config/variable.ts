import type { z } from "zod";
import { GatehouseError } from "../errors.ts";

/** A configuration the hub cannot start with; the message names the variable. */
export class ConfigError extends GatehouseError {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super("invalid_config", message, { variable });
  }
}

/** Variables whose values are never echoed in an error. */
const isSecret = (name: string): boolean => /PASSWORD|KEYS|SECRET/.test(name);

/**
 * One variable through its parser: undefined when unset or empty, else the parsed value; a bad value is a
 * ConfigError naming the variable (and quoting the value unless it is a secret).
 */
export function readVariable<T extends z.ZodType>(
  env: NodeJS.ProcessEnv,
  name: string,
  parser: T,
): z.output<T> | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const result = parser.safeParse(raw);
  if (!result.success) {
    const why = result.error.issues[0]?.message ?? "is invalid";
    // JSON quoting keeps the message on one line whatever the value holds.
    throw new ConfigError(name, `${name}: ${why} (got ${JSON.stringify(isSecret(name) ? "…" : raw)})`);
  }
  return result.data;
}

/** "true"/"1" or "false"/"0". */
export const BOOLEAN_WORDS = ["true", "false", "1", "0"] as const;
export const isTrue = (value: string | undefined, fallback: boolean): boolean =>
  value === undefined ? fallback : value === "true" || value === "1";
