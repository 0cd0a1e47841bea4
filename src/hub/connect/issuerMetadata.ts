import { discover, type DiscoveredEndpoints, type DiscoverOptions } from "../../oauth/index.ts";

/** What an authorization server's metadata tells the connect flow beyond the integration's own fields. */
export interface IssuerFacts {
  /** `authorization_response_iss_parameter_supported` (RFC 9207): a callback without `iss` is refused. */
  requireIssInAuthResponse: boolean;
}

export interface IssuerMetadataOptions {
  now: () => number;
  /** The discovery step (default src/oauth's), for tests. */
  discover?: (issuer: string, options: DiscoverOptions) => Promise<DiscoveredEndpoints>;
  /** How long an answer is kept (default 1 hour). */
  ttlMs?: number;
  /** How long a failed lookup is remembered, so a dead discovery does not slow every callback (5 min). */
  failureTtlMs?: number;
  /** Per discovery request (default 3 s): the callback waits for it at most this long, twice. */
  timeoutMs?: number;
  log?: { warn(fields: object, message: string): void };
}

interface Entry {
  facts: Promise<IssuerFacts | null>;
  until: number;
}

/**
 * The discovery metadata of integrations' issuers, per hub and cached: what the provider itself says about
 * its authorization responses. An integration names its endpoints by hand, so without this a provider that
 * advertises RFC 9207 `iss` would have a callback without `iss` accepted (a mix-up attack's way in). The
 * OpenID Connect document is tried first, then RFC 8414's. When neither answers, nothing is learned and the
 * preset's quirks alone decide (logged).
 */
export class IssuerMetadata {
  private readonly entries = new Map<string, Entry>();
  private readonly discoverStep: NonNullable<IssuerMetadataOptions["discover"]>;

  constructor(private readonly options: IssuerMetadataOptions) {
    this.discoverStep = options.discover ?? discover;
  }

  /** The issuer's facts, or null when its metadata cannot be read. Never throws. */
  facts(issuer: string, allowInsecureHttp: boolean): Promise<IssuerFacts | null> {
    const key = `${allowInsecureHttp ? "http" : "https"} ${issuer}`;
    const now = this.options.now();
    const cached = this.entries.get(key);
    if (cached && cached.until > now) return cached.facts;
    const entry: Entry = { facts: this.lookup(issuer, allowInsecureHttp), until: now + this.ttl(null) };
    this.entries.set(key, entry);
    void entry.facts.then((facts) => {
      entry.until = this.options.now() + this.ttl(facts);
    });
    return entry.facts;
  }

  private ttl(facts: IssuerFacts | null): number {
    return facts ? (this.options.ttlMs ?? 3_600_000) : (this.options.failureTtlMs ?? 300_000);
  }

  private async lookup(issuer: string, allowInsecureHttp: boolean): Promise<IssuerFacts | null> {
    const timeoutMs = this.options.timeoutMs ?? 3_000;
    for (const algorithm of ["oidc", "oauth2"] as const) {
      try {
        const found = await this.discoverStep(issuer, { algorithm, timeoutMs, allowInsecureHttp });
        return { requireIssInAuthResponse: found.requireIssInAuthResponse };
      } catch {
        // The next document, or nothing learned.
      }
    }
    this.options.log?.warn(
      { issuer },
      "the issuer's discovery metadata cannot be read; its callbacks are checked by the preset's rules only",
    );
    return null;
  }
}
