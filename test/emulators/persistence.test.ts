// The emulators stopped and started again in-process on one data directory and the same ports forget
// nothing: access tokens still verify (same signing key), refresh tokens still refresh (rotation and
// reuse detection included), revoked tokens stay refused, and the seed data is the same. Without a data
// directory the same restart forgets everything — which is what the first test would see if it failed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import {
  AUTODESK_PATHS,
  BENTLEY_PATHS,
  SERVICE_CLIENT,
  WEB_CLIENT,
  basic,
  letClientsSeeClosedConnections,
  postForm,
  refreshAt,
  revokeAt,
  serviceToken,
  statusWithBearer,
  webCodeFlow,
} from "../helpers/emulatorOAuth.ts";
import { freePort } from "../helpers/hubProcesses.ts";

const REDIRECT = "http://127.0.0.1:45002/callback";
const ALICE = "alice@example.com";
const ITWINS_ACCEPT = { accept: "application/vnd.bentley.itwin-platform.v1+json" };

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function freePorts(): Promise<[number, number, number]> {
  return [await freePort(), await freePort(), await freePort()];
}

const start = (ports: [number, number, number], dataDir?: string) =>
  startEmulators({ ports, dataDir, webRedirectUris: [REDIRECT] });

async function kidOf(emulators: Emulators): Promise<string> {
  const jwks = (await (
    await fetch(`${emulators.bentley.url}/.well-known/openid-configuration/jwks`)
  ).json()) as {
    keys: { kid: string }[];
  };
  return jwks.keys[0]!.kid;
}

async function iTwinIds(emulators: Emulators, token: string): Promise<string[]> {
  const response = await fetch(`${emulators.bentley.url}/itwins/?$top=50`, {
    headers: { authorization: `Bearer ${token}`, ...ITWINS_ACCEPT },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { iTwins: { id: string }[] }).iTwins.map((t) => t.id);
}

describe("startEmulators with a data directory, restarted on the same ports", () => {
  it("keeps access tokens, refresh tokens, rotation, revocations, keys and seed data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gh-emu-persist-"));
    dataDirs.push(dataDir);
    const ports = await freePorts();
    let emulators = await start(ports, dataDir);
    const itwins = () => `${emulators.bentley.url}/itwins/`;
    let before: {
      kid: string;
      web: Awaited<ReturnType<typeof webCodeFlow>>;
      rotated: { old: string; current: string };
      revokedRefresh: string;
      service: string;
      revokedAccess: string;
      aps: Awaited<ReturnType<typeof webCodeFlow>>;
      iTwins: string[];
    };
    try {
      const scope = "openid offline_access itwin-platform";
      const web = await webCodeFlow(emulators.bentley.url, BENTLEY_PATHS, {
        redirectUri: REDIRECT,
        scope,
        email: ALICE,
      });
      // A refresh token rotated once: the old one is spent, the new one current.
      const rotating = await webCodeFlow(emulators.bentley.url, BENTLEY_PATHS, {
        redirectUri: REDIRECT,
        scope,
        email: ALICE,
      });
      const refreshed = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, rotating.refresh_token!);
      expect(refreshed.status).toBe(200);
      // A refresh token revoked before the restart.
      const doomed = await webCodeFlow(emulators.bentley.url, BENTLEY_PATHS, {
        redirectUri: REDIRECT,
        scope,
        email: ALICE,
      });
      expect(await revokeAt(emulators.bentley.url, BENTLEY_PATHS, doomed.refresh_token!)).toBe(200);
      // A service token, and another one revoked before the restart.
      const service = (await serviceToken(emulators.bentley.url, BENTLEY_PATHS, "itwin-platform"))
        .access_token;
      const revokedAccess = (await serviceToken(emulators.bentley.url, BENTLEY_PATHS, "itwin-platform"))
        .access_token;
      expect(await revokeAt(emulators.bentley.url, BENTLEY_PATHS, revokedAccess, SERVICE_CLIENT)).toBe(200);
      expect(await statusWithBearer(itwins(), revokedAccess, ITWINS_ACCEPT)).toBe(401);
      const aps = await webCodeFlow(emulators.autodesk.url, AUTODESK_PATHS, {
        redirectUri: REDIRECT,
        scope: "data:read",
        email: ALICE,
      });
      // Knobs are runtime controls, not state: this one is gone after the restart.
      emulators.bentley.knobs.set({ accessTokenLifetimeSeconds: 30 });
      before = {
        kid: await kidOf(emulators),
        web,
        rotated: {
          old: rotating.refresh_token!,
          current: refreshed.json<{ refresh_token: string }>().refresh_token,
        },
        revokedRefresh: doomed.refresh_token!,
        service,
        revokedAccess,
        aps,
        iTwins: await iTwinIds(emulators, web.access_token),
      };
    } finally {
      await emulators.close();
    }

    await letClientsSeeClosedConnections();
    emulators = await start(ports, dataDir);
    try {
      expect(emulators.dataDir).toBe(dataDir);
      expect(await kidOf(emulators)).toBe(before.kid);
      expect(emulators.bentley.knobs.get().accessTokenLifetimeSeconds).toBe(3600);

      // Access tokens issued before the restart are still accepted, a revoked one still refused.
      expect(await statusWithBearer(itwins(), before.web.access_token, ITWINS_ACCEPT)).toBe(200);
      expect(await statusWithBearer(itwins(), before.service, ITWINS_ACCEPT)).toBe(200);
      expect(await statusWithBearer(itwins(), before.revokedAccess, ITWINS_ACCEPT)).toBe(401);
      expect(
        await statusWithBearer(`${emulators.autodesk.url}/project/v1/hubs`, before.aps.access_token),
      ).toBe(200);
      const introspection = await postForm(
        `${emulators.bentley.url}${BENTLEY_PATHS.introspect}`,
        { token: before.web.access_token },
        { authorization: basic(WEB_CLIENT.id, WEB_CLIENT.secret) },
      );
      expect(introspection.json()).toMatchObject({
        active: true,
        sub: "5b1c6a4e-6f0e-4c51-9a53-0a7a3c1d2e01",
      });
      expect(await iTwinIds(emulators, before.web.access_token)).toEqual(before.iTwins);

      // Refresh tokens issued before the restart still refresh; the new access token works.
      const renewed = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, before.web.refresh_token!);
      expect(renewed.status).toBe(200);
      expect(
        await statusWithBearer(
          itwins(),
          renewed.json<{ access_token: string }>().access_token,
          ITWINS_ACCEPT,
        ),
      ).toBe(200);
      const apsRenewed = await refreshAt(emulators.autodesk.url, AUTODESK_PATHS, before.aps.refresh_token!);
      expect(apsRenewed.status).toBe(200);

      // The revoked refresh token stays revoked; the spent one is still spent, and its reuse still
      // revokes the whole grant (the current one dies with it).
      const revoked = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, before.revokedRefresh);
      expect([revoked.status, revoked.json().error]).toEqual([400, "invalid_grant"]);
      const reused = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, before.rotated.old);
      expect([reused.status, reused.json().error]).toEqual([400, "invalid_grant"]);
      const current = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, before.rotated.current);
      expect(current.json().error).toBe("invalid_grant");
    } finally {
      await emulators.close();
    }
  });
});

describe("startEmulators without a data directory", () => {
  it("forgets everything on a restart, as before", async () => {
    const ports = await freePorts();
    let emulators = await start(ports);
    let web: Awaited<ReturnType<typeof webCodeFlow>>;
    try {
      expect(emulators.dataDir).toBeNull();
      web = await webCodeFlow(emulators.bentley.url, BENTLEY_PATHS, {
        redirectUri: REDIRECT,
        scope: "offline_access itwin-platform",
        email: ALICE,
      });
    } finally {
      await emulators.close();
    }
    await letClientsSeeClosedConnections();
    emulators = await start(ports);
    try {
      expect(
        await statusWithBearer(`${emulators.bentley.url}/itwins/`, web.access_token, ITWINS_ACCEPT),
      ).toBe(401);
      const refused = await refreshAt(emulators.bentley.url, BENTLEY_PATHS, web.refresh_token!);
      expect(refused.json().error).toBe("invalid_grant");
    } finally {
      await emulators.close();
    }
  });
});
