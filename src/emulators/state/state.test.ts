// The state as a whole, on disk: the directory and file modes, keys generated once, the deny list,
// schema versions, and the seed files (written once, read back, refused when damaged).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBentleySeed } from "../shared/seedBentley.ts";
import { openStateDatabase, STATE_FILE } from "./database.ts";
import { openEmulatorState, type EmulatorState } from "./index.ts";

const noClients = { metadata: () => undefined };
const dirs: string[] = [];
const opened: EmulatorState[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gh-emu-state-"));
  dirs.push(dir);
  return dir;
}

function open(dataDir?: string, now?: () => number): EmulatorState {
  const state = openEmulatorState({ dataDir, now });
  opened.push(state);
  return state;
}

afterEach(() => {
  for (const state of opened.splice(0)) state.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe("openEmulatorState on a data directory", () => {
  it("creates the directory 0700 and every file in it 0600", async () => {
    const dataDir = join(tempDir(), "data", "emulators");
    const state = open(dataDir);
    await state.authServer("bentley", noClients);
    expect(state.dataDir).toBe(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, "seed"))).toBe(0o700);
    const files = [
      ...readdirSync(dataDir).filter((f) => f.startsWith(STATE_FILE)),
      ...readdirSync(join(dataDir, "seed")).map((f) => join("seed", f)),
    ];
    expect(files).toEqual(expect.arrayContaining([STATE_FILE, "seed/bentley.json", "seed/autodesk.json"]));
    for (const file of files) expect(mode(join(dataDir, file)), file).toBe(0o600);
  });

  it("makes an existing, too-open directory and database private again", () => {
    const dataDir = tempDir();
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, STATE_FILE), "");
    chmodSync(join(dataDir, STATE_FILE), 0o644);
    open(dataDir);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, STATE_FILE))).toBe(0o600);
  });

  it("generates a server's keys once and gives each server its own", async () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    const bentley = await first.authServer("bentley", noClients);
    const autodesk = await first.authServer("autodesk", noClients);
    first.close();
    const again = await open(dataDir).authServer("bentley", noClients);
    expect(again.keys).toEqual(bentley.keys);
    expect(autodesk.keys.publicJwks.keys[0]!.kid).not.toBe(bentley.keys.publicJwks.keys[0]!.kid);
    // The public set carries no private member.
    expect(Object.keys(bentley.keys.publicJwks.keys[0]!).sort()).toEqual([
      "alg",
      "e",
      "kid",
      "kty",
      "n",
      "use",
    ]);
    expect(bentley.keys.privateJwk.d).toBeTruthy();
    expect(bentley.keys.cookieKeys).toHaveLength(1);
  });

  it("refuses damaged keys with a sentence that names the way out", async () => {
    const dataDir = tempDir();
    await open(dataDir).authServer("bentley", noClients);
    opened.pop()!.close();
    const raw = openStateDatabase(dataDir);
    raw.sqlite.prepare('UPDATE server_keys SET signing_jwk = \'{"kty":"oct"}\'').run();
    raw.close();
    await expect(open(dataDir).authServer("bentley", noClients)).rejects.toThrow(
      new RegExp(
        `stored keys of the bentley emulator in ${join(dataDir, STATE_FILE)} are damaged .*delete that file to start the emulators afresh`,
      ),
    );
  });

  it("keeps a revoked token's jti across a restart until the token would have expired", async () => {
    const dataDir = tempDir();
    let now = Date.UTC(2025, 0, 1);
    const first = open(dataDir, () => now);
    const exp = Math.floor(now / 1000) + 60;
    (await first.authServer("bentley", noClients)).revoked.add("jti-1", exp);
    first.close();
    const again = open(dataDir, () => now);
    const revoked = (await again.authServer("bentley", noClients)).revoked;
    expect(revoked.has("jti-1")).toBe(true);
    expect(revoked.has("jti-2")).toBe(false);
    expect(revoked.has(undefined)).toBe(false);
    expect((await again.authServer("autodesk", noClients)).revoked.has("jti-1")).toBe(false);
    now += 61_000;
    expect(again.prune()).toEqual({ models: 0, revokedTokens: 1 });
    expect(revoked.has("jti-1")).toBe(false);
  });

  it("refuses a state file from a newer Gatehouse", () => {
    const dataDir = tempDir();
    open(dataDir);
    opened.pop()!.close();
    const raw = openStateDatabase(dataDir);
    raw.sqlite.pragma("user_version = 99");
    raw.close();
    expect(() => open(dataDir)).toThrow(/written by a newer Gatehouse \(state version 99/);
  });

  it("refuses a data directory that is a file", () => {
    const file = join(tempDir(), "not-a-dir");
    writeFileSync(file, "x");
    expect(() => open(file)).toThrow(/emulators' data directory/);
  });
});

describe("seed files", () => {
  it("are written from the built-in seed once and read back after that, edits included", () => {
    const dataDir = tempDir();
    const first = open(dataDir);
    expect(first.seeds.bentley.iTwins).toEqual(createBentleySeed().iTwins);
    expect(first.seeds.bentley.membersByITwin).toEqual(createBentleySeed().membersByITwin);
    first.close();

    const file = join(dataDir, "seed", "bentley.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as {
      version: number;
      iTwins: { displayName: string }[];
    };
    expect(json.version).toBe(1);
    json.iTwins[0]!.displayName = "Renamed by hand";
    writeFileSync(file, JSON.stringify(json));

    const again = open(dataDir);
    expect(again.seeds.bentley.iTwins[0]!.displayName).toBe("Renamed by hand");
    expect(again.seeds.bentley.rolesByITwin).toEqual(createBentleySeed().rolesByITwin);
    expect(again.seeds.seequent.organizations[0]!.workspaces[0]!.members).toBeInstanceOf(Map);
  });

  it("refuses a seed file that does not fit, naming the file and the field", () => {
    const dataDir = tempDir();
    open(dataDir);
    opened.pop()!.close();
    const file = join(dataDir, "seed", "seequent.json");
    const json = JSON.parse(readFileSync(file, "utf8")) as {
      organizations: { workspaces: { mlEnabled: unknown }[] }[];
    };
    json.organizations[0]!.workspaces[1]!.mlEnabled = "yes";
    writeFileSync(file, JSON.stringify(json));
    expect(() => open(dataDir)).toThrow(
      new RegExp(
        `${file.replaceAll("/", "\\/")} does not fit the seed format at organizations\\.0\\.workspaces\\.1\\.mlEnabled`,
      ),
    );
    writeFileSync(file, "{");
    expect(() => open(dataDir)).toThrow(/is not JSON/);
    writeFileSync(file, JSON.stringify({ ...json, version: 7 }));
    expect(() => open(dataDir)).toThrow(/has no "version": 1/);
  });

  it("are built in, and nothing is written, without a data directory", () => {
    const state = open();
    expect(state.dataDir).toBeNull();
    expect(state.seeds.autodesk.hubs.length).toBeGreaterThan(0);
  });
});
