import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeStart, emulatorUrls } from "../../src/cli/start.ts";
import { getPreset } from "../../src/providers/index.ts";
import { useEmulatorHostMap } from "../helpers/appsHub.ts";
import { GUIDE_BENTLEY_INTEGRATION } from "../helpers/guideIntegrations.ts";
import { startTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

interface Preset {
  id: string;
  defaults: Record<string, unknown>;
  sandbox: { emulator: string; url: string; message: string; realIssuer: string } | null;
}

// The Bentley and Autodesk guides in the sandbox: a preset chosen with no URLs must point at the emulators,
// so that creating `viktor-itwin-integration` "as the guide says" connects without typing a URL.
describe("sandbox-aware presets", () => {
  let t: TestHub;
  let admin: HubClient;
  beforeAll(async () => {
    t = await startTestHub();
    useEmulatorHostMap(t); // sandbox on, with the emulators' real ports
    admin = await t.admin();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("serves each preset with its emulator's endpoints and a note saying so", async () => {
    const res = await admin.get<Preset[]>("/api/admin/providers");
    expect(res.status).toBe(200);
    const byId = new Map(res.body.map((p) => [p.id, p]));
    const bentley = t.emulators!.bentley.url;
    const autodesk = t.emulators!.autodesk.url;
    expect(byId.get("bentley-itwin")).toMatchObject({
      defaults: {
        authorizationUrl: `${bentley}/connect/authorize`,
        tokenUrl: `${bentley}/connect/token`,
        revocationUrl: `${bentley}/connect/revocation`,
        issuer: bentley,
      },
      sandbox: {
        emulator: "bentley",
        message: `Sandbox: these point at the local Bentley emulator (${bentley}).`,
        realIssuer: "https://ims.bentley.com",
      },
    });
    expect(byId.get("autodesk-aps")?.defaults.tokenUrl).toBe(`${autodesk}/authentication/v2/token`);
    expect(byId.get("seequent-evo")?.defaults.issuer).toBe(bentley);
    expect(byId.get("generic")?.sandbox).toBeNull();
  });

  it("creates an integration from a preset and no URLs that connects at the emulator", async () => {
    const created = await admin.post<Record<string, unknown>>(
      "/api/admin/integrations",
      GUIDE_BENTLEY_INTEGRATION,
    );
    expect(created.status, created.text).toBe(201);
    const bentley = t.emulators!.bentley.url;
    expect(created.body).toMatchObject({
      authorizationUrl: `${bentley}/connect/authorize`,
      tokenUrl: `${bentley}/connect/token`,
      issuer: bentley,
      scopes: ["itwin-platform", "offline_access"],
    });
    const alice = await t.signIn("alice@example.com");
    const back = await t.connect(alice, "viktor-itwin-integration", "alice@example.com", {
      app: "itwin-browser",
      returnTo: "/apps/itwin-browser",
    });
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toBe("/apps/itwin-browser");
    const connections = await alice.get<{ integration: string; status: string }[]>("/api/me/connections");
    expect(connections.body).toContainEqual(
      expect.objectContaining({ integration: "viktor-itwin-integration", status: "connected" }),
    );
  });

  it("keeps URLs the admin gives, and the emulator's for the ones left out", async () => {
    const created = await admin.post<Record<string, unknown>>("/api/admin/integrations", {
      name: "aps-custom-revocation",
      provider: "autodesk-aps",
      clientId: "sandbox-web",
      clientSecret: "sandbox-web-secret",
      revocationUrl: null,
      issuer: "https://developer.api.autodesk.com",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      tokenUrl: `${t.emulators!.autodesk.url}/authentication/v2/token`,
      revocationUrl: null,
      issuer: "https://developer.api.autodesk.com",
    });
  });

  it("lists the emulators' endpoints and clients for the Generic step", async () => {
    const res = await admin.get<{ sandbox: boolean; emulators: Record<string, unknown>[]; clients: unknown }>(
      "/api/admin/sandbox",
    );
    expect(res.status).toBe(200);
    expect(res.body.sandbox).toBe(true);
    expect(res.body.emulators.map((e) => e.name)).toEqual(["bentley", "autodesk", "seequent"]);
    expect(res.body.emulators[0]).toMatchObject({
      authorizationUrl: `${t.emulators!.bentley.url}/connect/authorize`,
      tokenUrl: `${t.emulators!.bentley.url}/connect/token`,
      signInFor: ["bentley-itwin", "seequent-evo"],
    });
    expect(res.body.clients).toEqual({
      web: { clientId: "sandbox-web", clientSecret: "sandbox-web-secret" },
      service: { clientId: "sandbox-service", clientSecret: "sandbox-service-secret" },
    });
    const user = await t.signIn("bob@example.com");
    expect((await user.get("/api/admin/sandbox")).status).toBe(403);
    expect((await t.client().get("/api/admin/providers")).status).toBe(401);
  });

  it("gives the real platforms with GATEHOUSE_SANDBOX=false", async () => {
    t.hub.services.config.sandbox = false;
    try {
      const res = await admin.get<Preset[]>("/api/admin/providers");
      const bentley = res.body.find((p) => p.id === "bentley-itwin")!;
      expect(bentley.defaults).toMatchObject(getPreset("bentley-itwin").defaults);
      expect(bentley.sandbox).toBeNull();
      expect((await admin.get<{ sandbox: boolean }>("/api/admin/sandbox")).body).toEqual({
        sandbox: false,
        emulators: [],
      });
      const created = await admin.post<Record<string, unknown>>("/api/admin/integrations", {
        name: "real-itwin",
        provider: "bentley-itwin",
        clientId: "real-client",
        clientSecret: "real-secret",
      });
      expect(created.body).toMatchObject({ tokenUrl: "https://ims.bentley.com/connect/token" });
    } finally {
      t.hub.services.config.sandbox = true;
    }
  });

  it("prints every emulator endpoint in the start banner", () => {
    const text = describeStart(t.hub.services.config, t.url, t.emulators, t.seed);
    const urls = emulatorUrls(t.emulators!);
    for (const line of [
      `issuer            ${urls.bentley}`,
      `authorization URL ${urls.bentley}/connect/authorize`,
      `token URL         ${urls.bentley}/connect/token`,
      `revocation URL    ${urls.bentley}/connect/revocation`,
      `introspection URL ${urls.bentley}/connect/introspect`,
      `token URL         ${urls.autodesk}/authentication/v2/token`,
      "sandbox-web / sandbox-web-secret",
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toContain(`Seequent emulator: ${urls.seequent}`);
  });
});
