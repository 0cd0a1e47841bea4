/**
 * The connection columns that remember which provider account a connection belongs to (migration
 * 0002_connection_account); the identity itself comes from src/oauth/identity.ts.
 */
import type { ConnectionsTable } from "../db/schema.ts";
import type { AccountIdentity } from "../oauth/identity.ts";

type AccountColumns = Pick<ConnectionsTable, "account_subject" | "account_email" | "account_name">;

/** The connection columns for a connect: every field, null where unknown (a reconnect may be another account). */
export function accountColumns(identity: AccountIdentity | null): AccountColumns {
  return {
    account_subject: identity?.subject ?? null,
    account_email: identity?.email ?? null,
    account_name: identity?.name ?? null,
  };
}

/** The columns a refresh updates: only what the new answer knows (a refresh does not change the account). */
export function knownAccountColumns(identity: AccountIdentity | null): Partial<AccountColumns> {
  const columns: Partial<AccountColumns> = {};
  if (identity?.subject) columns.account_subject = identity.subject;
  if (identity?.email) columns.account_email = identity.email;
  if (identity?.name) columns.account_name = identity.name;
  return columns;
}

/** A stored row's identity, or null when none was recorded. */
export function identityFromRow(row: AccountColumns): AccountIdentity | null {
  const { account_subject: subject, account_email: email, account_name: name } = row;
  return subject || email || name ? { subject, email, name } : null;
}
