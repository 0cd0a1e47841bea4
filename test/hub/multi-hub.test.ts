import { afterAll, beforeAll, expect, it } from "vitest";
import { forEachDatabase } from "../helpers/databases.ts";
import { DEMO_PASSWORD, HubClient, startTestHub, type TestHub } from "../helpers/hub.ts";
import { signInAtEmulator } from "../helpers/browser.ts";

// Two hub processes' worth of state on one database: what a load balancer in front of several hubs needs.
forEachDatabase("two hubs on one database", (_getStore, database) => {
  let a: TestHub;
  let b: TestHub;
  beforeAll(async () => {
    a = await startTestHub({ store: database.store });
    b = await startTestHub({
      store: await database.open(),
      emulators: false,
      deps: { keyRing: a.hub.services.keyRing },
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("shares sessions and personal access tokens", async () => {
    const onA = await a.signIn("alice@example.com");
    // The same cookie, sent to the other hub.
    const onB = new HubClient(b.url);
    onB.jar.set("gatehouse_session", onA.jar.get("gatehouse_session")!);
    expect((await onB.get<{ email: string }>("/api/me")).body.email).toBe("alice@example.com");
    const pat = await onA.post<{ token: string }>("/api/me/tokens", { name: "shared" });
    const script = b.client();
    script.bearer = pat.body.token;
    expect((await script.get<{ email: string }>("/api/me")).body.email).toBe("alice@example.com");
    // Signing out on B ends the session on A too, once A has heard of it (the change feed; no sleeping).
    await onB.post("/api/auth/logout");
    await a.hub.services.changeFeed?.caughtUp();
    expect((await onA.get("/api/me")).status).toBe(401);
  });

  it("finishes a connect flow on the other hub than the one that started it; both hand out the token", async () => {
    const onA = await a.signIn("alice@example.com");
    const start = await onA.fetch("GET", "/api/integrations/oauth2/login/bentley-itwin?app=itwin-browser");
    await start.body?.cancel();
    const { finalUrl } = await signInAtEmulator(start.headers.get("location")!, {
      email: "alice@example.com",
      password: DEMO_PASSWORD,
    });
    // The callback lands on hub B (same path, B's origin), with the same browser session.
    const callback = new URL(finalUrl);
    const onB = new HubClient(b.url);
    onB.jar.set("gatehouse_session", onA.jar.get("gatehouse_session")!);
    const done = await onB.fetch("GET", `${b.url}${callback.pathname}${callback.search}`);
    expect(done.status).toBe(302);
    const fromA = await onA.get<{ accessToken: string }>(
      "/api/apps/itwin-browser/integrations/bentley-itwin/token",
    );
    const fromB = await onB.get<{ accessToken: string }>(
      "/api/apps/itwin-browser/integrations/bentley-itwin/token",
    );
    expect(fromA.status).toBe(200);
    expect(fromB.body.accessToken).toBe(fromA.body.accessToken);
  });
});
