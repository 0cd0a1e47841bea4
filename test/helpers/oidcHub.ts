/**
 * A hub that signs people in through the test OpenID provider (`testIdp.ts`), and the steps the sign-in
 * suites share: one sign-in in a browser, the audit events it left, and who the hub says is signed in.
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { HubConfig, OidcConfig } from "../../src/config/index.ts";
import type { TestDatabase } from "./databases.ts";
import { startTestHub, type HubClient, type TestHub } from "./hub.ts";
import { followAtTestIdp, startTestIdp, type TestIdp, type TestIdpUser } from "./testIdp.ts";

/** What /api/me says of the signed-in user. */
export interface Me {
  id: string;
  email: string;
  role: string;
  signedInWith: string;
  roleManagedBy: string | null;
}

export interface SignInOptions {
  returnTo?: string;
  /** Change the authorization request before the browser goes there. */
  authorize?: (url: URL) => URL;
  /** Change the provider's answer before the browser brings it back. */
  callback?: (url: URL) => URL;
}

/** The hub's OpenID settings for `idp`: groups map to roles, no linking by email unless `extra` says so. */
export function oidcConfig(idp: TestIdp, extra: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: idp.issuer,
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    scopes: ["openid", "email", "profile", "groups"],
    rolesClaim: "groups",
    roles: { admin: ["gatehouse-admins"], developer: ["engineers"] },
    name: "Corp SSO",
    linkByEmail: false,
    ...extra,
  };
}

export interface OidcHub {
  /** The provider (valid from beforeAll on). */
  readonly idp: TestIdp;
  /** The hub (valid from beforeAll on). */
  readonly t: TestHub;
  /** One sign-in in `client` (a browser) as `email` at the provider; the hub's last answer. */
  signIn(client: HubClient, email: string, options?: SignInOptions): Promise<Response>;
  /** The audit events of `action`, as an admin (`reader`, else the hub's own admin) reads them. */
  audit(action: string, reader?: HubClient): Promise<AuditEvent[]>;
}

export interface AuditEvent {
  action: string;
  actor: { name: string | null };
  details: Record<string, unknown>;
}

/**
 * For the suite it is called in: a test provider with `users` and a hub over `database` signing in there
 * (no emulators), started in beforeAll and closed in afterAll.
 */
export function useOidcHub(
  database: TestDatabase,
  users: TestIdpUser[],
  options: { oidc?: Partial<OidcConfig>; config?: Partial<HubConfig> } = {},
): OidcHub {
  let idp: TestIdp;
  let t: TestHub;
  beforeAll(async () => {
    idp = await startTestIdp({ users });
    t = await startTestHub({
      store: database.store,
      emulators: false,
      config: { oidc: oidcConfig(idp, options.oidc), ...options.config },
    });
    idp.setRedirectUris([`${t.url}/api/auth/oidc/callback`]);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });
  return {
    get idp() {
      return idp;
    },
    get t() {
      return t;
    },
    signIn: (client, email, signInOptions) => signInAtIdp(idp, client, email, signInOptions),
    audit: async (action, reader) => {
      const admin = reader ?? (await t.admin());
      const res = await admin.get<{ events: AuditEvent[] }>(`/api/admin/audit?action=${action}&limit=500`);
      return res.body.events;
    },
  };
}

/** One sign-in in `client` (a browser) as `email` at `idp`; the hub's last answer. */
export async function signInAtIdp(
  idp: TestIdp,
  client: HubClient,
  email: string,
  options: SignInOptions = {},
): Promise<Response> {
  idp.signInAs(email);
  const start = await client.fetch(
    "GET",
    `/api/auth/oidc/login?returnTo=${encodeURIComponent(options.returnTo ?? "/apps")}`,
  );
  expect(start.status, await start.clone().text()).toBe(302);
  let location = new URL(start.headers.get("location")!);
  if (options.authorize) location = options.authorize(location);
  let callback = new URL(await followAtTestIdp(idp, location.href));
  if (options.callback) callback = options.callback(callback);
  return client.fetch("GET", callback.href);
}
