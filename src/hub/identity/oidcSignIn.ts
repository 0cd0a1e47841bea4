import type * as oauth from "oauth4webapi";
import { z } from "zod";
import type { HubConfig, OidcConfig } from "../../config/index.ts";
import { GatehouseError } from "../../errors.ts";
import {
  checkSignInCallback,
  discoveryRequest,
  endSessionUrl,
  processDiscoveryResponse,
  processSignInResponse,
  signInCodeRequest,
  signInUrl,
  userinfoClaims,
  type RelyingParty,
  type SignedInClaims,
} from "../../oauth/openIdSignIn.ts";
import { aad } from "../../vault/aad.ts";
import { hashToken } from "../../vault/hashing.ts";
import type { SecretCipher } from "../../vault/storage.ts";
import { oidcRedirectUri } from "./oidcPaths.ts";
import { safeReturnTo } from "../connect/returnTo.ts";

/** The cookie that carries a pending sign-in from the login route to the callback. */
export const SIGNIN_COOKIE = "gatehouse_oidc";
export const SIGNIN_TTL_MS = 10 * 60_000;
const METADATA_TTL_MS = 3_600_000;

/** What the pending-sign-in cookie holds, sealed under the key ring and bound to its state. */
const pendingSchema = z.object({
  v: z.string().min(43).max(128),
  n: z.string().min(1).max(256),
  r: z.string().max(2048),
  e: z.number(),
});

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const refused = (code: "state_invalid" | "state_expired" | "state_missing", message: string) =>
  new GatehouseError(code, message);

/**
 * Sign-in through the hub's OpenID provider, apart from HTTP and accounts: the provider's metadata
 * (discovered and cached), the request to send a browser with, and the checked answer. The pending sign-in
 * (PKCE verifier, nonce, where to return) travels in a cookie sealed under the key ring with the state's
 * hash as associated data, so it opens only for the callback that carries its own state, in the browser
 * that started it; hubs behind one URL share it through their shared keys.
 */
export class OidcSignIn {
  private cached: { as: Promise<oauth.AuthorizationServer>; until: number } | null = null;

  constructor(
    private readonly options: {
      /** Read per call: a test hub learns its public URL (its port) only after listening. */
      config: Pick<HubConfig, "publicUrl">;
      oidc: OidcConfig;
      cipher: SecretCipher;
      now: () => number;
      timeoutMs?: number;
    },
  ) {}

  get settings(): OidcConfig {
    return this.options.oidc;
  }

  /** This hub as the provider's client (the redirect URI is read per call: a test hub learns its port late). */
  relyingParty(): RelyingParty {
    const oidc = this.settings;
    return {
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      scopes: oidc.scopes,
      redirectUri: oidcRedirectUri(this.options.config),
      timeoutMs: this.options.timeoutMs ?? 10_000,
      allowInsecureHttp: LOOPBACK.has(new URL(oidc.issuer).hostname),
    };
  }

  /** The provider's metadata, fetched once an hour (a failure is not kept: the next sign-in asks again). */
  metadata(): Promise<oauth.AuthorizationServer> {
    const now = this.options.now();
    if (this.cached && this.cached.until > now) return this.cached.as;
    const rp = this.relyingParty();
    const as = discoveryRequest(rp).then((response) => processDiscoveryResponse(rp, response));
    this.cached = { as, until: now + METADATA_TTL_MS };
    as.catch(() => {
      if (this.cached?.as === as) this.cached = null;
    });
    return as;
  }

  /** Where to send the browser, and the sealed cookie value to set for the callback. */
  async start(returnTo: unknown): Promise<{ location: string; cookie: string }> {
    const started = await signInUrl(await this.metadata(), this.relyingParty());
    const pending = {
      v: started.codeVerifier,
      n: started.nonce,
      r: safeReturnTo(returnTo),
      e: this.options.now() + SIGNIN_TTL_MS,
    };
    const cookie = this.options.cipher.encrypt(
      JSON.stringify(pending),
      aad.pendingSignIn(hashToken(started.state)),
    );
    return { location: started.url, cookie };
  }

  /**
   * Checks the callback against the pending sign-in of this browser, exchanges the code and checks the ID
   * token; adds the userinfo endpoint's claims when the ID token lacks `claimWanted` or an email.
   */
  async finish(
    callback: URL,
    cookie: string | undefined,
    claimWanted: string,
  ): Promise<{ signedIn: SignedInClaims; returnTo: string }> {
    const states = callback.searchParams.getAll("state");
    const error = callback.searchParams.get("error");
    if (states.length === 0 && error === null)
      throw refused("state_missing", "The sign-in answer has no state. Sign in again.");
    if (states.length > 1 || !states[0])
      throw refused("state_invalid", "The sign-in answer is malformed. Sign in again.");
    const state = states[0];
    const pending = this.openPending(state, cookie);
    if (pending.e <= this.options.now()) {
      throw refused("state_expired", "The sign-in took longer than 10 minutes. Sign in again.");
    }
    const as = await this.metadata();
    const rp = this.relyingParty();
    const params = checkSignInCallback(as, rp, callback, state);
    const response = await signInCodeRequest(as, rp, params, pending.v);
    const { claims, idToken, accessToken } = await processSignInResponse(as, rp, response, pending.n);
    let all: Record<string, unknown> = { ...claims };
    if (all[claimWanted] === undefined || typeof all.email !== "string") {
      const extra = await userinfoClaims(as, rp, accessToken, claims.sub);
      // The ID token's claims win; userinfo only fills what it lacks.
      if (extra) all = { ...extra, ...all };
    }
    return {
      signedIn: { issuer: as.issuer, subject: claims.sub, claims: all, idToken },
      returnTo: pending.r,
    };
  }

  /** Where the browser signs out at the provider too, or null when it has no end-session endpoint. */
  async endSession(idToken: string | null): Promise<string | null> {
    const as = await this.metadata();
    return endSessionUrl(as, this.relyingParty(), idToken, `${this.options.config.publicUrl}/login`);
  }

  private openPending(state: string, cookie: string | undefined): z.output<typeof pendingSchema> {
    const lost = () =>
      refused(
        "state_invalid",
        "This sign-in answer does not belong to a sign-in started in this browser, or it was already used. Sign in again.",
      );
    if (!cookie) throw lost();
    try {
      const opened: unknown = JSON.parse(
        this.options.cipher.decrypt(cookie, aad.pendingSignIn(hashToken(state))),
      );
      return pendingSchema.parse(opened);
    } catch {
      throw lost();
    }
  }
}
