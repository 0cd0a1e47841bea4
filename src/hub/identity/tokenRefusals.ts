import { GatehouseError } from "../../errors.ts";
import type { AuditLog } from "./auditLog.ts";
import type { PersonalTokenStore } from "./personalTokens.ts";
import { httpErrors } from "../http/problem.ts";

/** A revoked token's use is recorded at most this often per token and hub (a script in a loop is one event a minute). */
const RECORD_EVERY_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Why a bearer token that does not authenticate is refused, as the error the caller gets: 401
 * `token_expired`, 401 `token_revoked` (and an audit event, since someone still holds a revoked token), or
 * 401 `unauthenticated` for anything else. Only asked after the lookup failed, so it costs nothing on the
 * way of a valid token.
 */
export class TokenRefusals {
  private readonly lastRecorded = new Map<string, number>();

  constructor(
    private readonly tokens: PersonalTokenStore,
    private readonly audit: AuditLog,
    private readonly now: () => number,
  ) {}

  async explain(token: string, from: { ip: string }): Promise<GatehouseError> {
    const refusal = await this.tokens.refusal(token);
    if (refusal.reason === "expired") {
      return new GatehouseError(
        "token_expired",
        `This personal access token expired on ${new Date(refusal.expiresAt).toISOString()}; create a new one on your account page`,
      );
    }
    if (refusal.reason === "revoked") {
      await this.recordUse(refusal, from.ip);
      return new GatehouseError("token_revoked", "This personal access token was revoked");
    }
    return httpErrors.unauthenticated("The bearer token is not a valid personal access token");
  }

  private async recordUse(
    refusal: Extract<Awaited<ReturnType<PersonalTokenStore["refusal"]>>, { reason: "revoked" }>,
    ip: string,
  ): Promise<void> {
    const at = this.now();
    const last = this.lastRecorded.get(refusal.tokenId);
    if (last !== undefined && at - last < RECORD_EVERY_MS) return;
    if (this.lastRecorded.size >= MAX_REMEMBERED) this.lastRecorded.clear();
    this.lastRecorded.set(refusal.tokenId, at);
    await this.audit.record({
      action: "pat.revoked_used",
      actor: { type: "anonymous", id: null, name: null },
      target: { type: "personal_access_token", id: refusal.tokenId, name: refusal.name },
      details: { owner: refusal.userId, revokedAt: new Date(refusal.revokedAt).toISOString(), ip },
    });
  }
}
