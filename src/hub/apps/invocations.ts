import type { CapabilityGrant, CapabilityStore } from "../../apps/capabilities.ts";
import { randomUUID } from "node:crypto";

/** Capabilities outlive the view timeout by this much, so a slow last token request still passes. */
const CAPABILITY_MARGIN_MS = 30_000;

/**
 * The hub's side of each view invocation: the capability its app process presents for tokens (valid while
 * the view runs, for the invoking user only), and the one forced refresh per integration it may ask for.
 */
export class Invocations {
  /** Integrations each running invocation has already forced a refresh of. */
  private readonly forced = new Map<string, Set<string>>();

  constructor(private readonly capabilities: CapabilityStore) {}

  /** Mints the capability of a new invocation of `app` for `userId`, valid a little past `timeoutMs`. */
  async begin(app: string, userId: string, timeoutMs: number): Promise<{ id: string; capability: string }> {
    const id = randomUUID();
    const capability = await this.capabilities.mint({
      app,
      userId,
      invocationId: id,
      ttlMs: timeoutMs + CAPABILITY_MARGIN_MS,
    });
    return { id, capability };
  }

  /** Ends an invocation: its capability stops working at once, on every hub. */
  async end(id: string): Promise<void> {
    this.forced.delete(id);
    await this.capabilities.revokeInvocation(id);
  }

  /** The grant behind a presented capability, or null when unknown, expired or ended. */
  verify(presented: string): Promise<CapabilityGrant | null> {
    return this.capabilities.verify(presented);
  }

  /**
   * Whether the invocation may force a refresh of `integration` now: once per invocation and integration,
   * so a provider that keeps answering 401 cannot make an app refresh in a loop.
   */
  takeForcedRefresh(invocationId: string, integration: string): boolean {
    const used = this.forced.get(invocationId) ?? new Set<string>();
    if (used.has(integration)) return false;
    used.add(integration);
    this.forced.set(invocationId, used);
    return true;
  }
}
