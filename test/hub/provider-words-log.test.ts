/**
 * A provider's own words (its error_description) may reach the caller in problem details, but not the hub's
 * log: providers have been seen echoing what they were sent.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { IntegrationStore } from "../../src/vault/integrationStore.ts";
import { startTestHub, type TestHub } from "../helpers/hub.ts";
import { startStubServer, type StubServer } from "../helpers/oauthStubServer.ts";
import { integrationInput } from "../helpers/vaultFixtures.ts";

const ECHOED = "echoed-client-secret-5c1f";

let t: TestHub;
let stub: StubServer;
let appsDir: string;

beforeAll(async () => {
  stub = await startStubServer();
  appsDir = mkdtempSync(join(tmpdir(), "gatehouse-words-"));
  mkdirSync(join(appsDir, "words"));
  writeFileSync(
    join(appsDir, "words", "gatehouse.config.toml"),
    `name = "words"\noauth2_integrations = ["svc-stub"]\n`,
  );
  writeFileSync(
    join(appsDir, "words", "app.ts"),
    `import { defineApp } from "gatehouse/sdk";\nexport default defineApp({ parametrization: {}, views: {} });\n`,
  );
  t = await startTestHub({ emulators: false, config: { appsDirs: [appsDir] } });
  const { store, keyRing } = t.hub.services;
  await new IntegrationStore(store, keyRing).create(
    integrationInput(stub.url, {
      name: "svc-stub",
      grantType: "client_credentials",
      clientId: "svc",
      clientSecret: ECHOED,
      scopes: ["itwin-platform"],
      allowInsecureHttp: true,
    } as never),
  );
}, 60_000);

afterAll(async () => {
  await t?.close();
  await stub?.close();
  rmSync(appsDir, { recursive: true, force: true });
});

it("an invalid_client answer is logged by its code, without the provider's description", async () => {
  stub.handler = () => ({
    status: 401,
    json: { error: "invalid_client", error_description: `client secret ${ECHOED} is wrong` },
  });
  const admin = await t.admin();
  const res = await admin.get<{ code: string }>("/api/apps/words/integrations/svc-stub/token");
  expect(res.status).toBe(502);
  expect(res.body.code).toBe("invalid_client");
  expect(t.logs.some((line) => line.includes("invalid_client"))).toBe(true);
  expect(t.logs.filter((line) => line.includes(ECHOED))).toEqual([]);
});
