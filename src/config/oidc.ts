import { z } from "zod";
import { BOOLEAN_WORDS, ConfigError, isTrue, readVariable } from "./variable.ts";

/** Which values of the roles claim make an admin or a developer; anyone else is a `user`. */
export interface OidcRoleMapping {
  admin: string[];
  developer: string[];
}

/** Sign-in through an OpenID provider (GATEHOUSE_OIDC_*). */
export interface OidcConfig {
  /** The issuer identifier; discovery is `<issuer>/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  /** Null for a public client (PKCE only); most providers give web apps a secret. */
  clientSecret: string | null;
  /** Always includes `openid`. */
  scopes: string[];
  /** The claim whose values GATEHOUSE_OIDC_ROLES maps (default `groups`). */
  rolesClaim: string;
  /** Null: roles are set in Gatehouse (new users are `user`); set: re-evaluated at every sign-in. */
  roles: OidcRoleMapping | null;
  /** Shown as "Sign in with <name>". */
  name: string;
  /** Link a first sign-in to an existing user with the same email, when the provider says it is verified. */
  linkByEmail: boolean;
}

const ASSIGNABLE = ["admin", "developer"] as const;

/** `admin=gatehouse-admins,ops;developer=engineers` → the mapping; values are compared exactly. */
export function parseRoleMapping(text: string): OidcRoleMapping {
  const mapping: OidcRoleMapping = { admin: [], developer: [] };
  for (const part of text.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    const role = part.slice(0, eq).trim();
    if (eq <= 0 || !(ASSIGNABLE as readonly string[]).includes(role)) {
      throw new Error(`"${part.trim()}" is not admin=<values> or developer=<values>`);
    }
    const values = part
      .slice(eq + 1)
      .split(",")
      .map((value) => value.trim())
      .filter(Boolean);
    if (values.length === 0) throw new Error(`${role}= names no value`);
    mapping[role as (typeof ASSIGNABLE)[number]].push(...values);
  }
  if (mapping.admin.length === 0 && mapping.developer.length === 0) throw new Error("maps no role");
  return mapping;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const parsers = {
  GATEHOUSE_OIDC_ISSUER: z
    .url({ protocol: /^https?$/, error: "must be an absolute URL" })
    .refine((value) => {
      const url = URL.canParse(value) ? new URL(value) : null;
      return url !== null && (url.protocol === "https:" || LOOPBACK.has(url.hostname));
    }, "must use https (plain http only on this machine)")
    .refine((value) => URL.canParse(value) && new URL(value).search === "" && new URL(value).hash === "", {
      message: "must not carry a query or a fragment",
    }),
  GATEHOUSE_OIDC_CLIENT_ID: z.string().min(1).max(512),
  GATEHOUSE_OIDC_CLIENT_SECRET: z.string().min(1).max(4096),
  GATEHOUSE_OIDC_SCOPES: z
    .string()
    .regex(
      /^[\x21\x23-\x5B\x5D-\x7E]+([ ,]+[\x21\x23-\x5B\x5D-\x7E]+)*$/,
      "must be scopes separated by spaces",
    ),
  GATEHOUSE_OIDC_ROLES_CLAIM: z.string().regex(/^[A-Za-z0-9_:./-]{1,200}$/, "must be a claim name"),
  GATEHOUSE_OIDC_ROLES: z.string().transform((value, ctx) => {
    try {
      return parseRoleMapping(value);
    } catch (err) {
      ctx.addIssue({
        code: "custom",
        message: `must be admin=<values>;developer=<values>: ${(err as Error).message}`,
      });
      return z.NEVER;
    }
  }),
  GATEHOUSE_OIDC_NAME: z.string().trim().min(1).max(60),
  GATEHOUSE_OIDC_LINK_BY_EMAIL: z.enum(BOOLEAN_WORDS, "must be true or false"),
};

type Variable = keyof typeof parsers;
const read = <V extends Variable>(env: NodeJS.ProcessEnv, name: V) =>
  readVariable(env, name, parsers[name]) as z.output<(typeof parsers)[V]> | undefined;

/** The OpenID Connect sign-in settings, or null when GATEHOUSE_OIDC_ISSUER is unset (and nothing else is). */
export function loadOidcConfig(env: NodeJS.ProcessEnv): OidcConfig | null {
  const issuer = read(env, "GATEHOUSE_OIDC_ISSUER");
  const clientId = read(env, "GATEHOUSE_OIDC_CLIENT_ID");
  if (!issuer) {
    const stray = (Object.keys(parsers) as Variable[]).find((name) => env[name]);
    if (stray) {
      throw new ConfigError("GATEHOUSE_OIDC_ISSUER", `GATEHOUSE_OIDC_ISSUER: must be set when ${stray} is`);
    }
    return null;
  }
  if (!clientId) {
    throw new ConfigError(
      "GATEHOUSE_OIDC_CLIENT_ID",
      "GATEHOUSE_OIDC_CLIENT_ID: must be set with GATEHOUSE_OIDC_ISSUER (the client registered at the provider)",
    );
  }
  const scopes = (read(env, "GATEHOUSE_OIDC_SCOPES") ?? "openid email profile")
    .split(/[ ,]+/)
    .filter(Boolean);
  return {
    issuer,
    clientId,
    clientSecret: read(env, "GATEHOUSE_OIDC_CLIENT_SECRET") ?? null,
    scopes: [...new Set(["openid", ...scopes])],
    rolesClaim: read(env, "GATEHOUSE_OIDC_ROLES_CLAIM") ?? "groups",
    roles: read(env, "GATEHOUSE_OIDC_ROLES") ?? null,
    name: read(env, "GATEHOUSE_OIDC_NAME") ?? new URL(issuer).host,
    linkByEmail: isTrue(read(env, "GATEHOUSE_OIDC_LINK_BY_EMAIL"), false),
  };
}
