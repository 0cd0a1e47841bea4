/**
 * The hub does not trust what an app process sends over IPC: a message of the wrong shape is ignored or fails
 * that app alone, never the hub.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestHub, type TestHub } from "./helpers/hub.ts";

const SOURCE = `
import { defineApp, dataView, DataResult, DataGroup } from "gatehouse/sdk";
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
export default defineApp({ parametrization: {}, views: {
  nullMessage: dataView("null", {}, async () => { process.send!(null); await settle(); return new DataResult(new DataGroup()); }),
  ok: dataView("ok", {}, () => new DataResult(new DataGroup())),
}});
`;

/** Reports "ready" itself, before the worker can, with a manifest of the wrong shape. */
const FORGED = `
process.send!({ type: "ready", manifest: { views: "x", parametrization: [null] } });
import { defineApp } from "gatehouse/sdk";
export default defineApp({ parametrization: {}, views: {} });
`;

let t: TestHub;
let appsDir: string;
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);

beforeAll(async () => {
  appsDir = mkdtempSync(join(tmpdir(), "gatehouse-ipc-"));
  mkdirSync(join(appsDir, "ipc"));
  writeFileSync(join(appsDir, "ipc", "gatehouse.config.toml"), `name = "ipc"\n`);
  writeFileSync(join(appsDir, "ipc", "app.ts"), SOURCE);
  mkdirSync(join(appsDir, "forged"));
  writeFileSync(join(appsDir, "forged", "gatehouse.config.toml"), `name = "forged"\n`);
  writeFileSync(join(appsDir, "forged", "app.ts"), FORGED);
  t = await startTestHub({ config: { appsDirs: [appsDir], sandbox: true } });
  process.on("uncaughtException", onUncaught);
}, 60_000);

afterAll(async () => {
  process.off("uncaughtException", onUncaught);
  await t?.close();
  rmSync(appsDir, { recursive: true, force: true });
});

it("an app process sending null over IPC does not throw in the hub", async () => {
  const user = await t.newUser();
  const res = await user.post("/api/apps/ipc/views/nullMessage", { params: {} });
  expect(res.status).toBe(200);
  expect(uncaught).toEqual([]);
  expect((await user.post("/api/apps/ipc/views/ok", { params: {} })).status).toBe(200);
});

it("an app that reports a manifest of the wrong shape fails to load instead of answering 500s", async () => {
  const user = await t.newUser();
  const res = await user.post<{ code: string }>("/api/apps/forged/views/x", { params: {} });
  expect(res.status).toBe(503);
  expect(res.body.code).toBe("app_load_failed");
  expect((await user.get<{ status: string }>("/api/apps/forged")).body.status).toBe("error");
  expect(uncaught).toEqual([]);
});
