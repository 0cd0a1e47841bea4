/**
 * `gatehouse users add` and `gatehouse users reset-password`, in the hub's database (GATEHOUSE_DATABASE_URL /
 * GATEHOUSE_DATA_DIR): the way in for the bootstrap admin even with GATEHOUSE_LOCAL_LOGIN=false. Without
 * --password one is generated and printed once, on stdout. Both are recorded in the audit trail.
 */
import { z } from "zod";
import { AccountStore, ROLES } from "../hub/identity/accounts.ts";
import { GatehouseError } from "../errors.ts";
import { randomToken } from "../vault/hashing.ts";
import type { Role } from "../db/schema.ts";
import { CliError, usageError } from "./cliError.ts";
import { hubConfig, openHubDatabase } from "./hubConfig.ts";
import { AuditLog } from "../hub/identity/auditLog.ts";
import { UserLifecycle } from "../hub/identity/userLifecycle.ts";
import { cliActor } from "./cliActor.ts";

export interface AddUserFlags {
  email?: string;
  role?: string;
  password?: string;
  json?: boolean;
}

export interface ResetPasswordFlags {
  email?: string;
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
  const { password, generated } = passwordOf(flags.password);

  const config = hubConfig(io.env);
  const store = await openHubDatabase(config);
  try {
    const audit = new AuditLog(store.db);
    const user = await new AccountStore(store.db, Date.now, { audit }).createUser(
      { email: flags.email, password, role: flags.role as Role },
      cliActor(),
    );
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

/** The password given (8 to 1024 characters), or a generated one. */
function passwordOf(given: string | undefined): { password: string; generated: boolean } {
  if (given !== undefined && (given.length < 8 || given.length > 1024)) {
    throw usageError("--password must be 8 to 1024 characters");
  }
  return { password: given ?? randomToken(18), generated: given === undefined };
}

/** Sets a local user's password and ends their sessions; exit 1 for an unknown or identity-provider user. */
export async function resetPassword(flags: ResetPasswordFlags, io: UsersIo): Promise<number> {
  if (!flags.email) throw usageError("--email is required");
  const { password, generated } = passwordOf(flags.password);
  const config = hubConfig(io.env);
  const store = await openHubDatabase(config);
  try {
    const audit = new AuditLog(store.db);
    const accounts = new AccountStore(store.db, Date.now, { audit });
    const user = await accounts.findByEmail(flags.email);
    if (!user)
      throw new CliError(`no user with email ${flags.email.trim().toLowerCase()}`, 1, "user_not_found");
    const lifecycle = new UserLifecycle({
      db: store.db,
      dialect: store.dialect,
      accounts,
      audit,
      now: Date.now,
    });
    await lifecycle.resetPassword(user.id, password, cliActor());
    if (flags.json) {
      io.out.write(
        `${JSON.stringify({ id: user.id, email: user.email, ...(generated ? { password } : {}) })}\n`,
      );
    } else {
      io.out.write(`Reset the password of ${user.email}; their sessions are ended.\n`);
      if (generated) io.out.write(`Password (shown this once): ${password}\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof GatehouseError) throw new CliError(err.message, 1, err.code);
    throw err;
  } finally {
    await store.close();
  }
}
