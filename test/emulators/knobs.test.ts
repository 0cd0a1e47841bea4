// The emulators' knobs and stats over real HTTP on 127.0.0.1: failures injected at the token endpoint and
// on the resource APIs (in each platform's own error shape), hangs, resets, latency, refused knobs, the
// knobs over HTTP, and the counts of token calls by grant type and outcome.
import { afterEach, describe, expect, it } from "vitest";
import { FORM, basic, describeAuthServers, postForm, useEmulators } from "../helpers/emulatorAuthServers.ts";

const emulators = useEmulators();

describeAuthServers(emulators, "knobs and stats", (p, steps) => {
  const { url, webTokens, clientCredentials, introspect, revoke, refresh } = steps;

  it("injects 503, 429 with Retry-After and invalid_grant at the token endpoint, then recovers", async () => {
    p.emulator().knobs.set({ failure: { target: "token", kind: "5xx", count: 1 } });
    expect((await clientCredentials()).status).toBe(503);
    expect((await clientCredentials()).status).toBe(200);

    const patched = await fetch(url("/_emulator/knobs"), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failure: { target: "all", kind: "429", retryAfterSeconds: 7 } }),
    });
    expect(patched.status).toBe(200);
    const limited = await clientCredentials();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await clientCredentials()).status).toBe(429);
    await fetch(url("/_emulator/knobs"), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ failure: null }),
    });
    expect((await clientCredentials()).status).toBe(200);

    p.emulator().knobs.set({ failure: { target: "token", kind: "invalid_grant", count: 1 } });
    const refused = await clientCredentials();
    expect(refused.status).toBe(400);
    expect(refused.json().error).toBe("invalid_grant");
  });

  it("hangs the token endpoint on request until cleared", async () => {
    p.emulator().knobs.set({ failure: { target: "token", kind: "hang" } });
    const hung = fetch(url(p.paths.token), {
      method: "POST",
      headers: { "content-type": FORM, authorization: basic("sandbox-service", "sandbox-service-secret") },
      body: new URLSearchParams({ grant_type: "client_credentials", scope: p.serviceScope }),
      signal: AbortSignal.timeout(500),
    });
    await expect(hung).rejects.toThrow(/timeout|aborted/i);
    p.emulator().knobs.set({ failure: null });
    const answer = await clientCredentials();
    expect(answer.status).toBe(200);
  });

  it("refuses bad knobs with 400", async () => {
    for (const body of [
      { failure: { target: "token", kind: "explode" } },
      { accessTokenLifetimeSeconds: -1 },
      { latency: { target: "api", ms: "slow" } },
      { unknownKnob: true },
    ]) {
      const response = await fetch(url("/_emulator/knobs"), {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toBe("invalid_knobs");
    }
  });

  it("counts token calls by grant type and outcome, and resets the counts", async () => {
    await fetch(url("/_emulator/stats/reset"), { method: "POST" });
    const set = await webTokens();
    await refresh(set.refresh_token);
    await refresh(set.refresh_token); // reuse: an error
    await clientCredentials(p.serviceScope, "bad");
    const auth = { authorization: basic("sandbox-web", "sandbox-web-secret") };
    await introspect(set.access_token, auth);
    await revoke(set.access_token, auth);

    const stats = await (await fetch(url("/_emulator/stats"))).json();
    expect(stats).toEqual({
      token: {
        authorization_code: { ok: 1, error: 0 },
        refresh_token: { ok: 1, error: 1 },
        client_credentials: { ok: 0, error: 1 },
      },
      revocation: 1,
      introspection: 1,
    });
    expect(p.emulator().stats()).toEqual(stats);

    await fetch(url("/_emulator/stats/reset"), { method: "POST" });
    expect(p.emulator().stats().token.refresh_token).toEqual({ ok: 0, error: 0 });
  });
});

describe("knobs on the resource APIs", () => {
  afterEach(() => {
    emulators().bentley.knobs.reset();
    emulators().seequent.knobs.reset();
  });

  it("answers an injected 429 on an API in the platform's own error shape, leaving the token endpoint alone", async () => {
    emulators().bentley.knobs.set({
      failure: { target: "api", kind: "429", retryAfterSeconds: 3, count: 1 },
    });
    const limited = await fetch(`${emulators().bentley.url}/itwins/`, {
      headers: { authorization: "Bearer x" },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await limited.json()).error.code).toEqual(expect.any(String));

    emulators().seequent.knobs.set({ failure: { target: "all", kind: "5xx", status: 502, count: 1 } });
    const failed = await fetch(`${emulators().seequent.url}/evo/identity/v2/discovery?service=evo`);
    expect(failed.status).toBe(502);
    expect(failed.headers.get("content-type")).toContain("application/problem+json");
    expect(await failed.json()).toMatchObject({ status: 502 });

    const token = await postForm(
      `${emulators().bentley.url}/connect/token`,
      { grant_type: "client_credentials", scope: "itwin-platform" },
      { authorization: basic("sandbox-service", "sandbox-service-secret") },
    );
    expect(token.status).toBe(200);
  });

  it("resets the connection when asked to", async () => {
    emulators().bentley.knobs.set({ failure: { target: "api", kind: "reset", count: 1 } });
    await expect(fetch(`${emulators().bentley.url}/itwins/`)).rejects.toThrow();
    const after = await fetch(`${emulators().bentley.url}/itwins/`);
    expect(after.status).toBe(401);
  });

  it("adds latency only where targeted", async () => {
    // The latency is twice the discovery request's allowance, so a latency wrongly added there fails it,
    // while a correct answer has all of 10 s on a busy machine.
    emulators().bentley.knobs.set({ latency: { target: "api", ms: 20_000 } });
    await expect(
      fetch(`${emulators().bentley.url}/itwins/`, { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow(/timeout|aborted/i);
    const discovery = await fetch(`${emulators().bentley.url}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(discovery.status).toBe(200);
  });

  it("reads and resets knobs over HTTP", async () => {
    const set = await fetch(`${emulators().bentley.url}/_emulator/knobs`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessTokenLifetimeSeconds: 60, refreshRotation: false }),
    });
    expect(await set.json()).toMatchObject({ accessTokenLifetimeSeconds: 60, refreshRotation: false });
    expect(emulators().bentley.knobs.get().accessTokenLifetimeSeconds).toBe(60);
    await fetch(`${emulators().bentley.url}/_emulator/knobs/reset`, { method: "POST" });
    const current = await (await fetch(`${emulators().bentley.url}/_emulator/knobs`)).json();
    expect(current).toEqual({
      accessTokenLifetimeSeconds: 3600,
      authorizationCodeLifetimeSeconds: null,
      refreshRotation: true,
      clockAheadSeconds: 0,
      latency: null,
      failure: null,
    });
  });
});
