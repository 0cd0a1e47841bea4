/**
 * Counters of what the authorization server was asked, so tests can assert how many refreshes a
 * client really made: token-endpoint calls by grant type and outcome, revocations and introspections.
 */
export type CountedGrantType = "authorization_code" | "refresh_token" | "client_credentials";

export interface OutcomeCounts {
  ok: number;
  error: number;
}

export interface EmulatorStats {
  token: Record<CountedGrantType, OutcomeCounts>;
  revocation: number;
  introspection: number;
}

const countedGrantTypes: readonly CountedGrantType[] = [
  "authorization_code",
  "refresh_token",
  "client_credentials",
];

function empty(): EmulatorStats {
  return {
    token: {
      authorization_code: { ok: 0, error: 0 },
      refresh_token: { ok: 0, error: 0 },
      client_credentials: { ok: 0, error: 0 },
    },
    revocation: 0,
    introspection: 0,
  };
}

export class StatsCounter {
  #stats = empty();

  /** Counts one token-endpoint answer; grant types other than the three counted ones are ignored. */
  tokenCall(grantType: string | undefined, outcome: keyof OutcomeCounts): void {
    const counted = countedGrantTypes.find((g) => g === grantType);
    if (counted) this.#stats.token[counted][outcome] += 1;
  }

  revocation(): void {
    this.#stats.revocation += 1;
  }

  introspection(): void {
    this.#stats.introspection += 1;
  }

  snapshot(): EmulatorStats {
    return structuredClone(this.#stats);
  }

  reset(): void {
    this.#stats = empty();
  }
}
