/**
 * Child process for the keys.json race test: loads the key ring from the data dir in argv (creating the
 * keys file if it is missing, like a starting hub) and prints the encrypting key's id. To start together
 * with its siblings it says "ready" once loaded and waits for the parent's "go" on stdin: a barrier, not a
 * moment on the wall clock.
 */
import { loadKeyRing } from "../../src/vault/keyRing.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: loadKeyRingProcess.ts <dataDir>");
process.stdout.write("ready\n");
process.stdin.once("data", () => {
  process.stdout.write(loadKeyRing({ dataDir }).currentKeyId);
  process.stdin.destroy();
});
