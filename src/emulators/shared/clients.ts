/**
 * The clients every emulated authorization server registers (three for apps, one for the hub's sign-in). Clients are served from the storage
 * adapter (`state/oidcAdapter.ts` asks `metadata()`) rather than the static `clients` list, so that
 * `sandbox-web`'s redirect URIs can change at runtime (tests learn the hub's port after the emulators
 * start); oidc-provider caches adapter clients by the hash of their metadata, so a change takes effect
 * on the next request. Clients are configuration, not state: nothing about them is stored.
 */
import type { ClientMetadata } from "oidc-provider";

export const WEB_CLIENT_ID = "sandbox-web";
export const WEB_CLIENT_SECRET = "sandbox-web-secret";
export const NATIVE_CLIENT_ID = "sandbox-native";
export const SERVICE_CLIENT_ID = "sandbox-service";
export const SERVICE_CLIENT_SECRET = "sandbox-service-secret";
/** The hub's own sign-in (OpenID Connect): the sandbox signs people in to Gatehouse at the Bentley emulator. */
export const SIGNIN_CLIENT_ID = "sandbox-signin";
export const SIGNIN_CLIENT_SECRET = "sandbox-signin-secret";
const SIGNIN_CALLBACK_SUFFIX = "/api/auth/oidc/callback";

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
      case SIGNIN_CLIENT_ID: {
        // The hub's redirect URIs that are its sign-in callback; after logout, back to its sign-in page.
        const callbacks = this.#webRedirectUris.filter((uri) => uri.endsWith(SIGNIN_CALLBACK_SUFFIX));
        return {
          client_id: SIGNIN_CLIENT_ID,
          client_secret: SIGNIN_CLIENT_SECRET,
          token_endpoint_auth_method: "client_secret_basic",
          grant_types: ["authorization_code"],
          response_types: ["code"],
          redirect_uris: callbacks.length ? callbacks : [UNCONFIGURED_WEB_REDIRECT],
          post_logout_redirect_uris: callbacks.map(
            (uri) => `${uri.slice(0, -SIGNIN_CALLBACK_SUFFIX.length)}/login`,
          ),
          scope: "openid email profile",
        };
      }
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
      {
        clientId: SIGNIN_CLIENT_ID,
        clientSecret: SIGNIN_CLIENT_SECRET,
        grantTypes: ["authorization_code (the hub's own sign-in: openid email profile)"],
        redirects: "the web redirect URIs that end in /api/auth/oidc/callback",
      },
    ];
  }
}
