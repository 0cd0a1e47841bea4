/**
 * The CLI's loopback callback server answers any request, however odd its target, without ending the login:
 * anything on the machine can connect to it while it waits.
 */
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../src/emulators/index.ts";
import { bentleyLoginArgs } from "../helpers/cliLogin.ts";
import { startCli } from "../helpers/cliProcess.ts";
import { useTempDir } from "../helpers/tempDir.ts";

let emulators: Emulators;
beforeAll(async () => {
  emulators = await startEmulators({ ports: [0, 0, 0], webRedirectUris: ["http://127.0.0.1:1/unused"] });
});
afterAll(async () => {
  await emulators?.close();
});
const tmp = useTempDir("gh-cli-callback-");

/** A GET with `target` sent as is (fetch would normalize it). */
const rawGet = (port: number, target: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: target, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });

it("a request target that is not a valid URL path gets an answer, and the login keeps waiting", async () => {
  const env = { GATEHOUSE_CONFIG_DIR: join(tmp(), "config") };
  const login = startCli(bentleyLoginArgs(emulators.bentley.url, "--timeout", "60"), { env });
  const [, port] = await login.waitForStderr(/Waiting for the sign-in at http:\/\/localhost:(\d+)\//);
  for (const target of ["//", "//[", "http://[/"]) {
    expect(await rawGet(Number(port), target)).toBeLessThan(500);
  }
  // Still listening: a callback with a wrong state is refused the usual way.
  const page = await fetch(`http://127.0.0.1:${port}/signin-callback?code=x&state=forged`);
  expect(page.status).toBe(400);
  expect(await login.exited).toBe(1);
  expect(login.stderr()).toMatch(/did not carry the state/);
});
