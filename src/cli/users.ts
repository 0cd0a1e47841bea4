/**
 * `gatehouse users add`: creates a hub user in the hub's database (GATEHOUSE_DATABASE_URL /
 * GATEHOUSE_DATA_DIR). Without --password one is generated and printed once, on stdout.
 */
import { z } from "zod";
import { AccountStore, ROLES } from "../hub/accounts.ts";
import { GatehouseError } from "../errors.ts";
import { randomToken } from "../vault/hashing.ts";
import type { Role } from "../db/schema.ts";
import { CliError, usageError } from "./cliError.ts";
import { hubConfig, openHubDatabase } from "./hubConfig.ts";

export interface AddUserFlags {
  email?: string;
  role?: string;
  password?: string;
  json?: boolean;
}

export interface UsersIo {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export async function addUser(flags: AddUserFlags, io: UsersIo): Promise<number> {
  if (!flags.email) throw usageError("--email is required");
  if (!z.email().safeParse(flags.email.trim()).success) {
    throw usageError(`--email must be an email address (got "${flags.email}")`);
  }
  if (!flags.role) throw usageError(`--role is required (one of ${ROLES.join(", ")})`);
  if (!ROLES.includes(flags.role as Role)) throw usageError(`--role must be one of ${ROLES.join(", ")}`);
  if (flags.password !== undefined && (flags.password.length < 8 || flags.password.length > 1024)) {
    throw usageError("--password must be 8 to 1024 characters");
  }
  const generated = flags.password === undefined;
  const password = flags.password ?? randomToken(18);

  const config = hubConfig(io.env);
  const store = await openHubDatabase(config);
  try {
    const user = await new AccountStore(store.db).createUser({
      email: flags.email,
      password,
      role: flags.role as Role,
    });
    if (flags.json) {
      io.out.write(`${JSON.stringify({ ...user, ...(generated ? { password } : {}) })}\n`);
    } else {
      io.out.write(`Created ${user.role} ${user.email}\n`);
      if (generated) io.out.write(`Password (shown this once): ${password}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof GatehouseError && err.code === "user_exists")
      throw new CliError(err.message, 1, err.code);
    throw err;
  } finally {
    await store.close();
  }
}
