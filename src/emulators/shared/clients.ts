/**
 * The three clients every emulated authorization server registers, and the in-memory storage behind
 * oidc-provider. Clients are served from the storage adapter rather than the static `clients` list so
 * that `sandbox-web`'s redirect URIs can change at runtime (tests learn the hub's port after the
 * emulators start); oidc-provider caches adapter clients by the hash of their metadata, so a change
 * takes effect on the next request.
 */
import type { Adapter, AdapterFactory, AdapterPayload, ClientMetadata } from "oidc-provider";

export const WEB_CLIENT_ID = "sandbox-web";
export const WEB_CLIENT_SECRET = "sandbox-web-secret";
export const NATIVE_CLIENT_ID = "sandbox-native";
export const SERVICE_CLIENT_ID = "sandbox-service";
export const SERVICE_CLIENT_SECRET = "sandbox-service-secret";

/** Loopback redirects for the native client; the port is ignored when matching (RFC 8252 §7.3). */
export const NATIVE_REDIRECT_URIS = [
  "http://localhost:3000/signin-callback",
  "http://127.0.0.1:3000/signin-callback",
];

/** Stands in for the web client's redirect URI until the hub's is known, so the metadata stays valid. */
const UNCONFIGURED_WEB_REDIRECT = "http://127.0.0.1/redirect-uri-not-configured";

export interface ClientProfile {
  /** Scopes a user-facing client may ask for (space-separated lists are built from it). */
  userScopes: readonly string[];
  /** Scopes the service client may ask for: never the OpenID Connect ones. */
  serviceScopes: readonly string[];
}

/** What `gatehouse emulate` prints about the clients. */
export interface ClientDescription {
  clientId: string;
  clientSecret: string | null;
  grantTypes: string[];
  redirects: string;
}

export class SandboxClients {
  #webRedirectUris: string[] = [];

  constructor(
    private readonly profile: ClientProfile,
    webRedirectUris: readonly string[],
  ) {
    this.setWebRedirectUris(webRedirectUris);
  }

  setWebRedirectUris(uris: readonly string[]): void {
    for (const uri of uris) {
      if (!URL.canParse(uri)) throw new TypeError(`not an absolute URL: ${uri}`);
    }
    this.#webRedirectUris = [...uris];
  }

  /** Client metadata in oidc-provider's (RFC 7591) vocabulary. */
  metadata(clientId: string): ClientMetadata | undefined {
    switch (clientId) {
      case WEB_CLIENT_ID:
        return {
          client_id: WEB_CLIENT_ID,
          client_secret: WEB_CLIENT_SECRET,
          // Basic and post are both accepted for either registered method.
          token_endpoint_auth_method: "client_secret_basic",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          redirect_uris: this.#webRedirectUris.length
            ? [...this.#webRedirectUris]
            : [UNCONFIGURED_WEB_REDIRECT],
          scope: this.profile.userScopes.join(" "),
        };
      case NATIVE_CLIENT_ID:
        return {
          client_id: NATIVE_CLIENT_ID,
          application_type: "native",
          token_endpoint_auth_method: "none",
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          redirect_uris: [...NATIVE_REDIRECT_URIS],
          scope: this.profile.userScopes.join(" "),
        };
      case SERVICE_CLIENT_ID:
        return {
          client_id: SERVICE_CLIENT_ID,
          client_secret: SERVICE_CLIENT_SECRET,
          token_endpoint_auth_method: "client_secret_basic",
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
          scope: this.profile.serviceScopes.join(" "),
        };
      default:
        return undefined;
    }
  }

  describe(): ClientDescription[] {
    return [
      {
        clientId: WEB_CLIENT_ID,
        clientSecret: WEB_CLIENT_SECRET,
        grantTypes: ["authorization_code", "refresh_token"],
        redirects: this.#webRedirectUris.length
          ? `exactly ${this.#webRedirectUris.join(", ")}`
          : "none yet (GATEHOUSE_EMULATOR_WEB_REDIRECT_URIS or setWebRedirectUris)",
      },
      {
        clientId: NATIVE_CLIENT_ID,
        clientSecret: null,
        grantTypes: ["authorization_code (PKCE S256 required)", "refresh_token"],
        redirects: "http://localhost:<any port>/signin-callback, http://127.0.0.1:<any port>/signin-callback",
      },
      {
        clientId: SERVICE_CLIENT_ID,
        clientSecret: SERVICE_CLIENT_SECRET,
        grantTypes: ["client_credentials"],
        redirects: "none",
      },
    ];
  }
}

interface Stored {
  payload: AdapterPayload;
  expiresAt: number | null;
}

/**
 * In-memory storage for one provider instance: clients come from `clients`, everything else (codes,
 * tokens, grants, sessions, interactions) lives in maps that vanish with the emulator.
 */
export function memoryAdapterFactory(clients: SandboxClients): AdapterFactory {
  const models = new Map<string, Map<string, Stored>>();
  const byUid = new Map<string, string>();
  const byGrant = new Map<string, Set<string>>();

  const key = (model: string, id: string) => `${model}:${id}`;

  // Expired entries go when read; a long-running `gatehouse emulate` also sweeps now and then.
  let writesSinceSweep = 0;
  const sweep = () => {
    const now = Date.now();
    for (const table of models.values()) {
      for (const [id, stored] of table) {
        if (stored.expiresAt !== null && stored.expiresAt <= now) table.delete(id);
      }
    }
  };

  return (name: string): Adapter => {
    let store = models.get(name);
    if (!store) {
      store = new Map();
      models.set(name, store);
    }
    const table = store;

    const read = (id: string): AdapterPayload | undefined => {
      const stored = table.get(id);
      if (!stored) return undefined;
      if (stored.expiresAt !== null && stored.expiresAt <= Date.now()) {
        table.delete(id);
        return undefined;
      }
      return stored.payload;
    };

    return {
      async upsert(id, payload, expiresIn) {
        writesSinceSweep += 1;
        if (writesSinceSweep >= 1000) {
          writesSinceSweep = 0;
          sweep();
        }
        table.set(id, {
          payload: structuredClone(payload),
          expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : null,
        });
        if (payload.uid) byUid.set(key(name, payload.uid), id);
        if (payload.grantId) {
          const family = byGrant.get(payload.grantId) ?? new Set<string>();
          family.add(key(name, id));
          byGrant.set(payload.grantId, family);
        }
      },
      async find(id) {
        if (name === "Client") return clients.metadata(id);
        return read(id);
      },
      async findByUid(uid) {
        const id = byUid.get(key(name, uid));
        return id === undefined ? undefined : read(id);
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        const stored = table.get(id);
        if (stored) stored.payload = { ...stored.payload, consumed: Math.floor(Date.now() / 1000) };
      },
      async destroy(id) {
        table.delete(id);
      },
      async revokeByGrantId(grantId) {
        for (const entry of byGrant.get(grantId) ?? []) {
          const separator = entry.indexOf(":");
          models.get(entry.slice(0, separator))?.delete(entry.slice(separator + 1));
        }
        byGrant.delete(grantId);
      },
    };
  };
}
