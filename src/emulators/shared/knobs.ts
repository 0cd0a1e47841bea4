/**
 * The emulator's knobs: how long access tokens live, whether refresh tokens rotate, how far its clock runs
 * ahead, added latency and injected failures. Tests set them in code (`emulator.knobs.set(...)`) or over HTTP
 * (`PATCH /_emulator/knobs`); both go through the same schema, so a bad value is refused the same way.
 */
import { z } from "zod";
import { firstIssue } from "./firstIssue.ts";

/** Which requests a latency or failure applies to: the token endpoint, the resource APIs, or everything. */
export type KnobTarget = "token" | "api" | "all";

/** What a request is, for matching knobs: the token endpoint, a resource API, or another auth page. */
export type RequestKind = "token" | "api" | "other";

export type FailureKind = "5xx" | "429" | "hang" | "reset" | "invalid_grant";

export interface InjectedFailure {
  target: KnobTarget;
  kind: FailureKind;
  /** HTTP status for `5xx` (default 503). */
  status?: number;
  /** `Retry-After` seconds for `429` (default 1). */
  retryAfterSeconds?: number;
  /** How many matching requests fail before things go back to normal; absent = until cleared. */
  count?: number;
}

export interface AddedLatency {
  target: KnobTarget;
  ms: number;
}

export interface KnobSettings {
  /** Lifetime of newly issued access tokens, in seconds. */
  accessTokenLifetimeSeconds: number;
  /** Lifetime of new authorization codes in seconds; null = the platform's (300 s). */
  authorizationCodeLifetimeSeconds: number | null;
  /** Each refresh returns a new refresh token and consumes the old one (reuse revokes the grant). */
  refreshRotation: boolean;
  /**
   * How many seconds the emulator's clock runs ahead of the machine's: what it issued ages by that much for
   * its own checks (access-token verification, introspection, stored codes, sessions and refresh tokens),
   * so a test expires a token by moving this clock instead of waiting. Tokens are still stamped with real
   * time (oidc-provider's clock cannot be moved).
   */
  clockAheadSeconds: number;
  latency: AddedLatency | null;
  failure: InjectedFailure | null;
}

const target = z.enum(["token", "api", "all"]);

export const knobPatchSchema = z.strictObject({
  accessTokenLifetimeSeconds: z.number().int().min(1).max(86_400).optional(),
  authorizationCodeLifetimeSeconds: z.number().int().min(1).max(3600).nullable().optional(),
  refreshRotation: z.boolean().optional(),
  clockAheadSeconds: z
    .number()
    .int()
    .min(0)
    .max(366 * 86_400)
    .optional(),
  latency: z
    .strictObject({ target, ms: z.number().int().min(0).max(120_000) })
    .nullable()
    .optional(),
  failure: z
    .strictObject({
      target,
      kind: z.enum(["5xx", "429", "hang", "reset", "invalid_grant"]),
      status: z.number().int().min(500).max(599).optional(),
      retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
      count: z.number().int().min(1).optional(),
    })
    .nullable()
    .optional(),
});

export type KnobPatch = z.input<typeof knobPatchSchema>;

export class InvalidKnobsError extends Error {
  readonly code = "invalid_knobs";
  constructor(message: string) {
    super(message);
    this.name = "InvalidKnobsError";
  }
}

export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

function defaults(): KnobSettings {
  return {
    accessTokenLifetimeSeconds: DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
    authorizationCodeLifetimeSeconds: null,
    refreshRotation: true,
    clockAheadSeconds: 0,
    latency: null,
    failure: null,
  };
}

function applies(knobTarget: KnobTarget, requestTarget: RequestKind): boolean {
  return knobTarget === "all" || knobTarget === requestTarget;
}

export class EmulatorKnobs {
  #settings: KnobSettings = defaults();

  /** A copy of the current settings. */
  get(): KnobSettings {
    return structuredClone(this.#settings);
  }

  /** Merges `patch` into the settings (`null` clears latency or failure); throws InvalidKnobsError. */
  set(patch: KnobPatch): KnobSettings {
    const parsed = knobPatchSchema.safeParse(patch);
    if (!parsed.success) {
      throw new InvalidKnobsError(firstIssue(parsed.error, "body"));
    }
    const next = { ...this.#settings };
    for (const [key, value] of Object.entries(parsed.data)) {
      if (value !== undefined) Object.assign(next, { [key]: value });
    }
    this.#settings = next;
    return this.get();
  }

  /** Back to the defaults: 3600 s tokens, rotation on, the machine's clock, no latency, no failures. */
  reset(): void {
    this.#settings = defaults();
  }

  get accessTokenLifetimeSeconds(): number {
    return this.#settings.accessTokenLifetimeSeconds;
  }

  get authorizationCodeLifetimeSeconds(): number | null {
    return this.#settings.authorizationCodeLifetimeSeconds;
  }

  get refreshRotation(): boolean {
    return this.#settings.refreshRotation;
  }

  /** The emulator's clock: `now` (epoch ms, default the machine's) moved ahead by `clockAheadSeconds`. */
  now(now: number = Date.now()): number {
    return now + this.#settings.clockAheadSeconds * 1000;
  }

  /** The latency to add to a request of this kind, in ms (0 for none). */
  latencyFor(requestTarget: RequestKind): number {
    const latency = this.#settings.latency;
    return latency && applies(latency.target, requestTarget) ? latency.ms : 0;
  }

  /**
   * The failure to inject into this request, if any; counts it down, so a failure with `count`
   * clears itself after that many requests.
   */
  takeFailure(requestTarget: RequestKind): InjectedFailure | null {
    const failure = this.#settings.failure;
    if (!failure || !applies(failure.target, requestTarget)) return null;
    if (failure.count !== undefined) {
      const left = failure.count - 1;
      this.#settings = { ...this.#settings, failure: left > 0 ? { ...failure, count: left } : null };
    }
    return { ...failure };
  }
}
