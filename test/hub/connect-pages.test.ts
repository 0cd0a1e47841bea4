import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppReloads } from "../../src/hub/apps/appReloads.ts";
import { useEmulatorHostMap } from "../helpers/appsHub.ts";
import { startTestHub, withTestHub, type HubClient, type TestHub } from "../helpers/hub.ts";

/** The hrefs of the page's links, unescaped as a browser reads them. */
function links(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of html.matchAll(
    /<a class="[^"]*"? ?href="([^"]*)"[^>]*>([^<]*)<\/a>|<a href="([^"]*)">([^<]*)<\/a>/g,
  )) {
    const href = (match[1] ?? match[3] ?? "").replaceAll("&amp;", "&");
    found.set((match[2] ?? match[4] ?? "").trim(), href);
  }
  return found;
}

// What a person sees when connecting fails: a styled page with Try again (the same flow), a way back to the
// app it came from, the issuers of an issuer_mismatch and where to fix it — and never a link the request chose.
describe("connect error pages", () => {
  let t: TestHub;
  let alice: HubClient;
  beforeAll(async () => {
    t = await startTestHub();
    useEmulatorHostMap(t); // the sandbox, as npm start runs it (plain http to the emulators allowed)
    alice = await t.signIn("alice@example.com");
  });
  afterAll(async () => {
    await t?.close();
  });

  it("offers Try again and the way back to the app after a denied consent", async () => {
    const page = await t.connect(alice, "bentley-itwin", "alice@example.com", {
      app: "itwin-browser",
      returnTo: "/apps/itwin-browser?view=bentleyData",
      decision: "deny",
    });
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('<h1 id="title">Could not connect bentley-itwin</h1>');
    expect(html).toContain("access denied");
    const found = links(html);
    expect(found.get("Try again")).toBe(
      "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser&returnTo=%2Fapps%2Fitwin-browser%3Fview%3DbentleyData",
    );
    expect(found.get("Back to itwin-browser")).toBe("/apps/itwin-browser?view=bentleyData");
    // Not an admin: no settings link.
    expect(html).not.toContain("/admin/integrations/");
    expect(html).toContain('<link rel="icon" href="/favicon.svg"');
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");

    // Try again really starts the same flow.
    const again = await alice.fetch("GET", found.get("Try again")!);
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get("location")!).origin).toBe(t.emulators!.bentley.url);
  });

  it("goes back to the account page when the attempt started there", async () => {
    const page = await t.connect(alice, "bentley-itwin", "alice@example.com", {
      app: "itwin-browser",
      returnTo: "/account",
      decision: "deny",
    });
    const found = links(await page.text());
    expect(found.get("Back to your account")).toBe("/account");
    expect(found.get("Try again")).toBe(
      "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser&returnTo=%2Faccount",
    );
  });

  it("names both issuers and the Issuer field on issuer_mismatch, with the settings for admins", async () => {
    const admin = await t.admin();
    const bentley = t.emulators!.bentley.url;
    const created = await admin.post("/api/admin/integrations", {
      name: "mis-issued",
      provider: "bentley-itwin",
      apps: ["itwin-browser"],
      authorizationUrl: `${bentley}/connect/authorize`,
      tokenUrl: `${bentley}/connect/token`,
      issuer: "https://ims.bentley.com",
      clientId: "sandbox-web",
      clientSecret: "sandbox-web-secret",
    });
    expect(created.status, created.text).toBe(201);
    const page = await t.connect(admin, "mis-issued", "alice@example.com", { app: "itwin-browser" });
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain("Error code: <code>issuer_mismatch</code>");
    expect(html).toContain(
      `The answer names the issuer ${bentley}, but this integration expects https://ims.bentley.com.`,
    );
    expect(html).toContain("Issuer is set under Advanced settings");
    expect(links(html).get("open the settings of mis-issued")).toBe("/admin/integrations/mis-issued");
    expect(links(html).get("Back to itwin-browser")).toBe("/apps/itwin-browser");
  });

  it("never links where the request pointed: a foreign returnTo or a bad app name", async () => {
    const start = await alice.fetch(
      "GET",
      "/api/integrations/oauth2/login/bentley-itwin?app=..%2Fevil&returnTo=%2F%2Fevil.example%2Fx",
    );
    expect(start.status).toBe(403);
    const html = await start.text();
    const found = links(html);
    expect(found.get("Back to Gatehouse")).toBe("/apps");
    expect(found.get("Try again")).toBe("/api/integrations/oauth2/login/bentley-itwin");
    expect(html).not.toContain("evil.example");
  });

  it("has no Try again when the attempt is unknown", async () => {
    const page = await alice.fetch("GET", "/api/integrations/oauth2/callback/?code=x&state=forged");
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain("state_invalid");
    expect(links(html).has("Try again")).toBe(false);
    expect(links(html).get("Back to Gatehouse")).toBe("/apps");
  });

  it("serves the icon every page names, and the one browsers ask for by default", async () => {
    for (const path of ["/favicon.svg", "/favicon.ico"]) {
      const res = await t.client().get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/svg+xml");
      expect(res.text).toContain("<svg");
    }
  });
});

describe("app reload stream (gatehouse dev)", () => {
  it("says off and ends on a hub that does not reload apps", async () => {
    await withTestHub({ emulators: false }, async (t) => {
      expect((await t.client().get("/api/apps/any/reloads")).status).toBe(401);
      const user = await t.signIn("alice@example.com");
      const res = await user.fetch("GET", "/api/apps/any/reloads", {
        headers: { accept: "text/event-stream" },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const body = await res.text(); // ends: the browser is told not to come back
      expect(body).toContain("retry: 86400000");
      expect(body).toContain("event: off");
    });
  });

  it("streams a reloaded event for that app only, and lets the hub close while it is open", async () => {
    const reloads = new AppReloads();
    const t = await startTestHub({ emulators: false, deps: { appReloads: reloads } });
    let closed = false;
    try {
      const user = await t.signIn("alice@example.com");
      const res = await user.fetch("GET", "/api/apps/guide-itwin/reloads");
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`stream ended before ${needle}: ${text}`);
          text += decoder.decode(value);
        }
      };
      await readUntil("event: watching");
      reloads.notify({ app: "other-app", at: 1, error: null });
      reloads.notify({ app: "guide-itwin", at: 2, error: "SyntaxError in app.ts" });
      await readUntil("event: reloaded");
      expect(text).not.toContain("other-app");
      expect(text).toContain('"error":"SyntaxError in app.ts"');
      await t.close();
      closed = true;
      const { done } = await reader.read();
      expect(done).toBe(true);
    } finally {
      if (!closed) await t.close();
    }
  });
});
