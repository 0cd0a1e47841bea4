/**
 * How the throwaway PostgreSQL servers of the tests and the bench authenticate: like a production server,
 * TCP connections need a password (SCRAM-SHA-256), because app processes share the host's network and
 * 127.0.0.1 is no boundary. Only the Unix socket, in a directory only the `postgres` user can enter, trusts.
 */
import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The superuser the clusters are created with. */
export const PG_SUPERUSER = "postgres";

/** A fresh random password (URL-safe, so it needs no escaping in a postgres:// URL). */
export function newPgPassword(): string {
  return randomBytes(18).toString("base64url");
}

/**
 * Runs `initdb(authArgs)` with initdb's authentication arguments (SCRAM over TCP, trust on the private Unix
 * socket) and the password in a file initdb reads from `dir` (which the `postgres` user owns); the file is
 * removed again afterwards.
 */
export async function withInitdbAuth<T>(
  dir: string,
  password: string,
  initdb: (authArgs: string[]) => Promise<T>,
): Promise<T> {
  const pwfile = join(dir, "pwfile");
  await writeFile(pwfile, `${password}\n`, { mode: 0o644 });
  try {
    return await initdb(["--auth-host=scram-sha-256", "--auth-local=trust", `--pwfile=${pwfile}`]);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** The URL of a cluster's superuser on 127.0.0.1:`port`, with the password. */
export function pgUrlFor(port: number, password: string): string {
  return `postgres://${PG_SUPERUSER}:${password}@127.0.0.1:${port}/postgres`;
}
