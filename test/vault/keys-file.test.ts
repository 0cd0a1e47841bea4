// keys.json when several hub processes start at once on an empty data directory: one of them creates it,
// the others read what it wrote (src/vault/keyRing.ts). Real processes, so it lives here, not beside the
// module.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect, it } from "vitest";
import { loadKeyRing } from "../../src/vault/keyRing.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const root = useTempDir("gatehouse-keys-race-");

/** Starts the child; resolves once it is loaded and waiting at the barrier. */
function startLoader(dataDir: string) {
  const child = spawn(process.execPath, ["bin/run-ts.mjs", "test/helpers/loadKeyRingProcess.ts", dataDir], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.startsWith("ready\n")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`loader exited (${code}) before it was ready`)));
  });
  const keyId = new Promise<string>((resolve, reject) => {
    child.once("exit", (code) =>
      code === 0 ? resolve(out.slice("ready\n".length)) : reject(new Error(`loader exited ${code}`)),
    );
  });
  return { ready, keyId, go: () => child.stdin.write("go\n") };
}

it("keys.json is created once when several hubs start together", async () => {
  const dataDir = join(root(), "race");
  const loaders = Array.from({ length: 4 }, () => startLoader(dataDir));
  await Promise.all(loaders.map((loader) => loader.ready));
  for (const loader of loaders) loader.go();
  const ids = await Promise.all(loaders.map((loader) => loader.keyId));
  expect(new Set(ids).size).toBe(1);
  expect(ids[0]).toMatch(/^k\d{8}-[0-9a-f]{6}$/);
  expect(loadKeyRing({ dataDir }).currentKeyId).toBe(ids[0]);
});
