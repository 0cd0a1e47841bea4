/**
 * Child process for test/apps/sandbox-user.test.ts, run as an unprivileged uid (as a hub that is not root
 * runs): starts `probe.cjs` of the given directory through the app sandbox's launch() and prints what it
 * reported, with the sandbox mode, as one JSON line. Arguments: the probe directory, then the probe's own.
 */
import { realpathSync } from "node:fs";
import { join } from "node:path";
import { detectSandbox } from "../../src/apps/sandbox/detect.ts";
import { appIdentity, DEFAULT_APP_UID_BASE } from "../../src/apps/sandbox/identity.ts";
import { launch } from "../../src/apps/sandbox/launch.ts";

const [probeDir, ...probeArgs] = process.argv.slice(2);
if (!probeDir) throw new Error("usage: userModeProbe.ts <probe dir> [args…]");
const sandbox = await detectSandbox("required", DEFAULT_APP_UID_BASE);
if (!sandbox.active) throw new Error(`no sandbox: ${sandbox.reason}`);
const node = realpathSync(process.execPath);
const child = launch(
  {
    command: [node, join(probeDir, "probe.cjs"), ...probeArgs, String(process.pid)],
    readOnly: [node, probeDir],
    cwd: probeDir,
    env: {},
    identity: appIdentity(DEFAULT_APP_UID_BASE, 0),
  },
  sandbox,
);
let out = "";
child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
child.stderr!.pipe(process.stderr);
child.on("exit", (code) => {
  process.stdout.write(
    `${JSON.stringify({ mode: sandbox.mode, code, report: JSON.parse(out || "null") })}\n`,
  );
});
