/**
 * Child process for the keys.json race test: loads the key ring from the data dir in argv (creating the
 * keys file if it is missing, like a starting hub) and prints the encrypting key's id.
 */
import { loadKeyRing } from "../../src/vault/keyRing.ts";

const dataDir = process.argv[2];
if (!dataDir) throw new Error("usage: loadKeyRingProcess.ts <dataDir>");
// Start together: wait until the wall clock reaches the agreed moment.
const startAt = Number(process.argv[3] ?? 0);
while (Date.now() < startAt) {
  // spin: a timer would add scheduling noise of several milliseconds
}
process.stdout.write(loadKeyRing({ dataDir }).currentKeyId);
