import { describe, expect, it } from "vitest";
import { connectionRow } from "../../test/helpers/connectionRow.ts";
import type { ConnectionRow } from "./connectionStore.ts";
import { forcedRenewal, validFor } from "./renewal.ts";
import { CacheCoherence } from "../cache/coherence.ts";
import { fakeFeed } from "../../test/helpers/fakeFeed.ts";
import { HeldTokens } from "./heldTokens.ts";
import type { Integration } from "./integrationStore.ts";
import { UserTokens, decideRefresh } from "./userTokens.ts";

const NOW = 1_000_000;
const MINUTE = 60_000;

function row(overrides: Partial<ConnectionRow> = {}): ConnectionRow {
  return connectionRow({
    expires_at: NOW + 30_000,
    // Issued an hour before it expires: the margin asked (a minute) is not capped.
    connected_at: NOW + 30_000 - 3_600_000,
    version: 3,
    ...overrides,
  });
}

describe("decideRefresh", () => {
  it("refreshes a token valid for less than asked", () => {
    expect(decideRefresh(row(), 3, validFor(MINUTE), NOW)).toBe("refresh");
  });

  it("leaves a token valid long enough, to the millisecond", () => {
    expect(decideRefresh(row({ expires_at: NOW + MINUTE }), 3, validFor(MINUTE), NOW)).toBe("fresh");
    expect(decideRefresh(row({ expires_at: NOW + MINUTE - 1 }), 3, validFor(MINUTE), NOW)).toBe("refresh");
  });

  it("treats a row at another version than the caller read as refreshed by someone else", () => {
    expect(decideRefresh(row({ version: 4 }), 3, validFor(MINUTE), NOW)).toBe("fresh");
  });

  it("names a missing connection and one marked for reconnecting", () => {
    expect(decideRefresh(undefined, 3, validFor(MINUTE), NOW)).toBe("gone");
    expect(decideRefresh(row({ status: "reconnect_required", version: 9 }), 3, validFor(MINUTE), NOW)).toBe(
      "reconnect_required",
    );
  });

  it("without a refresh token: serves the held token until it expires, then gives up", () => {
    expect(decideRefresh(row({ refresh_token_enc: null }), 3, validFor(MINUTE), NOW)).toBe("serve_held");
    expect(decideRefresh(row({ refresh_token_enc: null, expires_at: NOW }), 3, validFor(MINUTE), NOW)).toBe(
      "no_refresh_token",
    );
  });

  it("caps the margin at half the token's lifetime: a fresh 5-second token is not refreshed again", () => {
    const short = row({ connected_at: NOW - 1_000, expires_at: NOW + 4_000 });
    expect(decideRefresh(short, 3, validFor(MINUTE), NOW)).toBe("fresh");
    const halfGone = row({ connected_at: NOW - 2_600, expires_at: NOW + 2_400 });
    expect(decideRefresh(halfGone, 3, validFor(MINUTE), NOW)).toBe("refresh");
    // The last refresh is when the token was issued, not the connect.
    const refreshed = row({ connected_at: 0, last_refreshed_at: NOW - 1_000, expires_at: NOW + 4_000 });
    expect(decideRefresh(refreshed, 3, validFor(MINUTE), NOW)).toBe("fresh");
  });

  it("a forced refresh renews a valid token, but not one issued a moment ago", () => {
    expect(decideRefresh(row({ expires_at: NOW + 3_600_000 }), 3, forcedRenewal(), NOW)).toBe("refresh");
    const justIssued = row({ last_refreshed_at: NOW - 1_000, expires_at: NOW + 3_599_000 });
    expect(decideRefresh(justIssued, 3, forcedRenewal(), NOW)).toBe("fresh");
  });

  it("reads expires_at as a number whatever the driver returned (PostgreSQL bigint as text)", () => {
    const fromPg = row({ expires_at: String(NOW + 2 * MINUTE) as unknown as number });
    expect(decideRefresh(fromPg, 3, validFor(MINUTE), NOW)).toBe("fresh");
  });
});

describe("UserTokens.get", () => {
  it("gives the requests that miss one connection at once one read of its row, each its own decision", async () => {
    let reads = 0;
    const stored = row({ expires_at: NOW + 3_600_000, connected_at: NOW });
    const connections = {
      find: async () => {
        reads += 1;
        await new Promise((resolve) => setImmediate(resolve));
        return stored;
      },
      toResult: (r: ConnectionRow) => ({
        accessToken: "AT",
        tokenType: "Bearer" as const,
        expiresAt: Number(r.expires_at),
        scopes: [],
      }),
    };
    const coherence = new CacheCoherence(fakeFeed().feed, { ttlMs: 30_000, now: () => NOW });
    const tokens = new UserTokens({
      connections,
      held: new HeldTokens(coherence),
      now: () => NOW,
    } as never);
    const integration = { id: stored.integration_id, name: "bentley-itwin" } as Integration;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => tokens.get(integration, stored.user_id, validFor(i * MINUTE))),
    );
    expect(reads).toBe(1);
    expect(answers.every((a) => a.accessToken === "AT")).toBe(true);
    // Held now: the next request reads nothing.
    await tokens.get(integration, stored.user_id, validFor(MINUTE));
    expect(reads).toBe(1);
  });
});
