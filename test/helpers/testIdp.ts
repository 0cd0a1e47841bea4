/**
 * A second, independent OpenID provider for the sign-in tests: its own oidc-provider instance on
 * 127.0.0.1:0, its own issuer, signing key and users, and a `groups` claim (as Okta or Entra ID send
 * one). The sign-in page is skipped: the next sign-in is whoever `signInAs` named (people change between
 * sign-ins by starting from a fresh browser). A knob re-signs the ID token with changed claims, with the
 * provider's own key, so the hub's checks of `iss` and `aud` meet a token that is validly signed.
 *
 *   const idp = await startTestIdp({ users: [{ email: "dana@corp.example", groups: ["gatehouse-admins"] }] });
 *   idp.setRedirectUris([`${hubUrl}/api/auth/oidc/callback`]);
 *   idp.signInAs("dana@corp.example");
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, {
  type Adapter,
  type AdapterPayload,
  type ClientMetadata,
  type KoaContextWithOIDC,
} from "oidc-provider";

export interface TestIdpUser {
  email: string;
  groups: string[];
  name?: string;
  /** Default true. */
  emailVerified?: boolean;
  /** Default: a fresh id. */
  sub?: string;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Users by email; change `groups` between sign-ins (a role change at the provider). */
  users: Map<string, Required<TestIdpUser>>;
  setRedirectUris(uris: string[]): void;
  /** Who the next sign-in is. */
  signInAs(email: string): void;
  /** Re-sign every ID token the token endpoint answers with these claims changed (null: as issued). */
  tamperIdToken(patch: Record<string, unknown> | null): void;
  /** Calls to the end-session endpoint (RP-initiated logout), with the fields they carried. */
  endSessions: Record<string, string>[];
  close(): Promise<void>;
}

const CLIENT_ID = "gatehouse-hub";
const CLIENT_SECRET = "test-idp-client-secret";

/** oidc-provider's storage, in memory (its own memory adapter's contract); clients come from `clients`. */
function memoryAdapter(clients: (id: string) => ClientMetadata | undefined) {
  const store = new Map<string, AdapterPayload>();
  const grants = new Map<string, Set<string>>();
  return class MemoryAdapter implements Adapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload): Promise<void> {
      store.set(this.key(id), payload);
      if (payload.grantId) {
        const set = grants.get(payload.grantId) ?? new Set<string>();
        set.add(this.key(id));
        grants.set(payload.grantId, set);
      }
    }
    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === "Client") return clients(id);
      return store.get(this.key(id));
    }
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      for (const [key, payload] of store)
        if (key.startsWith(`${this.model}:`) && payload.uid === uid) return payload;
      return undefined;
    }
    async findByUserCode(): Promise<AdapterPayload | undefined> {
      return undefined;
    }
    async consume(id: string): Promise<void> {
      const payload = store.get(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string): Promise<void> {
      store.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of grants.get(grantId) ?? []) store.delete(key);
      grants.delete(grantId);
    }
  };
}

export async function startTestIdp(options: { users: TestIdpUser[] }): Promise<TestIdp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };

  const users = new Map<string, Required<TestIdpUser>>(
    options.users.map((u) => [
      u.email,
      { name: u.email.split("@")[0]!, emailVerified: true, sub: randomUUID(), ...u },
    ]),
  );
  let redirectUris: string[] = ["http://127.0.0.1/not-configured"];
  let next: string | null = null;
  let idTokenPatch: Record<string, unknown> | null = null;
  const endSessions: Record<string, string>[] = [];

  const clientMetadata = (id: string): ClientMetadata | undefined =>
    id === CLIENT_ID
      ? {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ["authorization_code"],
          response_types: ["code"],
          redirect_uris: redirectUris,
          post_logout_redirect_uris: redirectUris.map((uri) => `${new URL(uri).origin}/login`),
          token_endpoint_auth_method: "client_secret_basic",
        }
      : undefined;

  const findUser = (sub: string) => [...users.values()].find((u) => u.sub === sub);
  const provider = new Provider(issuer, {
    adapter: memoryAdapter(clientMetadata),
    clients: [],
    jwks: { keys: [jwk] },
    cookies: { keys: ["test-idp-cookie-key"] },
    scopes: ["openid", "email", "profile", "groups"],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    // As Okta and Entra ID do for configured claims: in the ID token, not only at userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => {
      const user = findUser(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: user.email,
          email_verified: user.emailVerified,
          name: user.name,
          groups: [...user.groups],
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = "json";
      ctx.body = out;
    },
  });

  // Re-signs the ID token with changed claims, after oidc-provider built the token answer.
  provider.use(async (ctx, nextMiddleware) => {
    await nextMiddleware();
    if (ctx.path === "/session/end") {
      const params = ((ctx as KoaContextWithOIDC).oidc?.params ?? {}) as Record<string, unknown>;
      const fields: Record<string, string> = {};
      for (const key of ["id_token_hint", "post_logout_redirect_uri", "client_id"]) {
        if (typeof params[key] === "string") fields[key] = params[key];
      }
      endSessions.push(fields);
    }
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.path === "/token" && idTokenPatch && body?.id_token) {
      const claims = { ...decodeJwt(body.id_token), ...idTokenPatch };
      body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid }).sign(privateKey);
    }
  });

  const callback = provider.callback();
  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const match = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        const user = next ? users.get(next) : undefined;
        if (!user) throw new Error("the test IdP was not told who signs in (signInAs)");
        if (details.prompt.name === "login") {
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: user.sub } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const clientId = String(details.params.client_id);
        const grant = details.grantId
          ? ((await provider.Grant.find(details.grantId)) ??
            new provider.Grant({ accountId: user.sub, clientId }))
          : new provider.Grant({ accountId: user.sub, clientId });
        const missing = details.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
        };
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
      } catch (err) {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(err));
      }
    })();
  });

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    users,
    setRedirectUris: (uris) => {
      redirectUris = [...uris];
    },
    signInAs: (email) => {
      next = email;
    },
    tamperIdToken: (patch) => {
      idTokenPatch = patch;
    },
    endSessions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/**
 * Plays the browser at the test provider: follows its redirects (with its cookies) from `location` until
 * one leaves its origin — the hub's callback — and returns that URL without fetching it.
 */
export async function followAtTestIdp(idp: TestIdp, location: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = new URL(location);
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== new URL(idp.issuer).origin) return url.href;
    const response = await fetch(url, {
      redirect: "manual",
      headers: cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {},
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const next = response.headers.get("location");
    const text = await response.text();
    if (!next)
      throw new Error(`the test IdP answered ${response.status} without a redirect: ${text.slice(0, 300)}`);
    url = new URL(next, url);
  }
  throw new Error("too many redirects at the test IdP");
}
