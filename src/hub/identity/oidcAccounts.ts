import type { Kysely } from "kysely";
import type { OidcConfig } from "../../config/index.ts";
import { inTransaction } from "../../db/changeFeed.ts";
import type { Database, Role } from "../../db/schema.ts";
import { GatehouseError } from "../../errors.ts";
import type { SignedInClaims } from "../../oauth/openIdSignIn.ts";
import { userTarget, type AuditActor } from "./auditActions.ts";
import type { AuditLog } from "./auditLog.ts";
import { userRecord, type AccountStore, type HubUser, type UserRecord } from "./accounts.ts";
import type { UserLifecycle } from "./userLifecycle.ts";

const MAX_CLAIM = 254;

/** What the hub takes from a provider's claims: bounded strings only. */
export interface ProviderIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  /** The values of the roles claim (GATEHOUSE_OIDC_ROLES_CLAIM), or null when it is absent. */
  roleValues: string[] | null;
  /** The roles claim came as a link to fetch, not as values (Entra ID's group overage). */
  overage: boolean;
}

const text = (value: unknown): string | null =>
  typeof value === "string" && value.length > 0 && value.length <= MAX_CLAIM ? value : null;

/** Reads the claims the hub uses; anything else the provider sent is ignored. */
export function providerIdentity(signedIn: SignedInClaims, rolesClaim: string): ProviderIdentity {
  const { claims } = signedIn;
  const raw = claims[rolesClaim];
  const values = Array.isArray(raw)
    ? raw.map(text).filter((v): v is string => v !== null)
    : text(raw)
      ? [text(raw)!]
      : null;
  const claimNames = claims._claim_names;
  const overage =
    (claimNames !== null && typeof claimNames === "object" && rolesClaim in claimNames) ||
    (rolesClaim === "groups" && claims.hasgroups === true);
  const email = text(claims.email)?.trim().toLowerCase() ?? null;
  return {
    issuer: signedIn.issuer,
    subject: signedIn.subject,
    email,
    emailVerified: claims.email_verified === true,
    roleValues: values,
    overage,
  };
}

/**
 * The role GATEHOUSE_OIDC_ROLES gives these claims: admin over developer over user. Values compare
 * exactly; an email (the sandbox maps roles from `email`) compares without case, and only a verified one
 * counts: anyone may type an address into an unverified profile.
 */
export function mappedRole(identity: ProviderIdentity, oidc: Pick<OidcConfig, "roles" | "rolesClaim">): Role {
  const roles = oidc.roles;
  if (!roles) return "user";
  const byEmail = oidc.rolesClaim === "email";
  if (byEmail && !identity.emailVerified) return "user";
  const normal = (value: string) => (byEmail ? value.toLowerCase() : value);
  const have = new Set((identity.roleValues ?? []).map(normal));
  if (roles.admin.some((value) => have.has(normal(value)))) return "admin";
  if (roles.developer.some((value) => have.has(normal(value)))) return "developer";
  return "user";
}

/**
 * Who a sign-in is: the user of (issuer, sub) — never an email alone. A first sign-in creates the user, or
 * links an existing one with the same email when GATEHOUSE_OIDC_LINK_BY_EMAIL is on and the provider says
 * the email is verified. With GATEHOUSE_OIDC_ROLES the role is set from the claims at every sign-in, and
 * a sign-in that would demote the last admin is refused (`last_admin`). Every write of one sign-in is one
 * transaction.
 */
export class OidcAccounts {
  constructor(
    private readonly options: {
      db: Kysely<Database>;
      accounts: AccountStore;
      lifecycle: UserLifecycle;
      audit: AuditLog;
      oidc: OidcConfig;
      now: () => number;
    },
  ) {}

  async resolve(identity: ProviderIdentity): Promise<HubUser> {
    const { oidc, accounts, lifecycle, now } = this.options;
    if (identity.overage && oidc.roles) {
      throw new GatehouseError(
        "oidc_groups_overage",
        `Your identity provider sent your ${oidc.rolesClaim} as a link instead of a list (you are in too many groups), so your role cannot be read. Ask your administrator to send only the groups assigned to Gatehouse, or app roles.`,
      );
    }
    const system: AuditActor = { type: "system", id: null, name: identity.issuer };
    const role = mappedRole(identity, oidc);
    const userId = await inTransaction(this.options.db, async (trx) => {
      let user = await this.userOf(trx, identity);
      if (!user) user = await this.firstSignIn(trx, identity, role, system);
      if (user.disabledAt !== null) {
        throw new GatehouseError("account_disabled", "Your Gatehouse account is disabled; ask an admin");
      }
      if (oidc.roles && (user.role !== role || user.roleManagedBy !== identity.issuer)) {
        await lifecycle.applyProviderRole(trx, user, role, identity.issuer);
      }
      await trx
        .updateTable("user_identities")
        .set({ last_sign_in_at: now(), email: identity.email })
        .where("issuer", "=", identity.issuer)
        .where("subject", "=", identity.subject)
        .execute();
      return user.id;
    });
    const user = await accounts.getUser(userId);
    if (!user) throw new GatehouseError("user_not_found", "The account was deleted during the sign-in");
    return { id: user.id, email: user.email, role: user.role };
  }

  private async userOf(trx: Kysely<Database>, identity: ProviderIdentity): Promise<UserRecord | null> {
    const row = await trx
      .selectFrom("user_identities")
      .innerJoin("users", "users.id", "user_identities.user_id")
      .selectAll("users")
      .where("user_identities.issuer", "=", identity.issuer)
      .where("user_identities.subject", "=", identity.subject)
      .executeTakeFirst();
    return row ? userRecord(row) : null;
  }

  /** Links an existing user by verified email (when allowed), or creates one. */
  private async firstSignIn(
    trx: Kysely<Database>,
    identity: ProviderIdentity,
    role: Role,
    actor: AuditActor,
  ): Promise<UserRecord> {
    const { oidc, accounts, audit, now } = this.options;
    if (!identity.email) {
      throw new GatehouseError(
        "oidc_email_missing",
        "Your identity provider sent no email address; ask your administrator to release the email claim (scope email) to Gatehouse",
      );
    }
    const existing = await trx
      .selectFrom("users")
      .selectAll()
      .where("email", "=", identity.email)
      .executeTakeFirst();
    let user: UserRecord;
    if (existing) {
      if (!oidc.linkByEmail || !identity.emailVerified) {
        throw new GatehouseError(
          "oidc_email_taken",
          `A Gatehouse account with the email ${identity.email} exists already and is not linked to this sign-in${
            oidc.linkByEmail ? " (the identity provider does not say the email is verified)" : ""
          }. Ask an admin.`,
        );
      }
      user = userRecord(existing);
      await audit.record(
        {
          action: "user.identity_linked",
          actor,
          target: userTarget(user),
          details: { issuer: identity.issuer },
        },
        trx,
      );
    } else {
      const created = await accounts.createUser(
        { email: identity.email, password: null, role, roleManagedBy: oidc.roles ? identity.issuer : null },
        actor,
        trx,
      );
      user = userRecord(
        await trx.selectFrom("users").selectAll().where("id", "=", created.id).executeTakeFirstOrThrow(),
      );
    }
    await trx
      .insertInto("user_identities")
      .values({
        issuer: identity.issuer,
        subject: identity.subject,
        user_id: user.id,
        email: identity.email,
        created_at: now(),
        last_sign_in_at: null,
      })
      .execute();
    return user;
  }
}
