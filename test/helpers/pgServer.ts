/**
 * The throwaway PostgreSQL servers of the suite (test/setup/global.ts) and of the fault tests (pgCluster.ts):
 * where the binaries are, how they run (as the `postgres` user when we are root), the private directory a
 * cluster lives in, and the settings it starts with. How they authenticate is pgAuth.ts.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Where initdb and pg_ctl live; GATEHOUSE_TEST_PG_BIN overrides (another distribution or version). */
export const PG_BIN = process.env.GATEHOUSE_TEST_PG_BIN?.trim() || "/usr/lib/postgresql/15/bin";

/** Whether initdb is available (else the caller skips). */
export function pgBinariesAvailable(): boolean {
  return existsSync(join(PG_BIN, "initdb"));
}

export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
export async function runPg(binary: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const path = join(PG_BIN, binary);
  const [file, argv] = isRoot() ? ["runuser", ["-u", "postgres", "--", path, ...args]] : [path, args];
  try {
    await execFileAsync(file, argv, { timeout: timeoutMs, cwd: tmpdir() });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`${binary} failed: ${(stderr || stdout || String(error)).trim()}`, { cause: error });
  }
}

/** A fresh directory for a cluster (`prefix` + a random tail, in the temp dir), the `postgres` user's when we are root. */
export async function makeClusterDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    await chown(dir, uid, gid);
  }
  return dir;
}

/**
 * pg_ctl's `-o` for a throwaway server on 127.0.0.1:`port` with its Unix socket in `socketDir`, sized as
 * given; durability is off (fsync, synchronous commit, full-page writes), as nothing it holds must survive.
 */
export function pgServerOptions(
  port: number,
  socketDir: string,
  size: { maxConnections: number; sharedBuffers: string },
): string {
  return [
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-c unix_socket_directories=${socketDir}`,
    `-c max_connections=${size.maxConnections}`,
    `-c shared_buffers=${size.sharedBuffers}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
  ].join(" ");
}
