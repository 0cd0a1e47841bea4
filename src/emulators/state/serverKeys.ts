/**
 * What an emulated authorization server keeps outside oidc-provider's adapter: the RS256 key it signs
 * access and ID tokens with, and the keys its cookies are signed with. Generated once per server and kept
 * in the state database, so tokens and sign-in cookies issued before a restart still verify after it.
 */
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from "jose";
import { z } from "zod";
import { firstIssue } from "../shared/firstIssue.ts";
import type { StateDatabase } from "./database.ts";
import { EmulatorStateError } from "./privateFiles.ts";

export interface ServerKeys {
  /** The private signing key, as oidc-provider's `jwks` setting wants it. */
  privateJwk: JWK;
  /** Its public half: what the JWKS endpoint serves and the APIs verify with. */
  publicJwks: JSONWebKeySet;
  cookieKeys: string[];
}

const privateRsaJwk = z.looseObject({
  kty: z.literal("RSA"),
  kid: z.string().min(1),
  alg: z.literal("RS256"),
  use: z.literal("sig"),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
});

const cookieKeyList = z.array(z.string().min(32)).min(1);

async function generate(): Promise<{ signingJwk: string; cookieKeys: string }> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: randomBytes(8).toString("hex"),
    alg: "RS256",
    use: "sig",
  };
  return {
    signingJwk: JSON.stringify(jwk),
    cookieKeys: JSON.stringify([randomBytes(32).toString("base64url")]),
  };
}

function parseStored(
  server: string,
  where: string,
  row: { signing_jwk: string; cookie_keys: string },
): ServerKeys {
  // Only this file goes: the hub's own data beside it (database, keys.json) is not the emulators'.
  const damaged = (why: string) =>
    new EmulatorStateError(
      `the stored keys of the ${server} emulator in ${where} are damaged (${why}); delete that file to start the emulators afresh`,
    );
  let signing: unknown;
  let cookies: unknown;
  try {
    signing = JSON.parse(row.signing_jwk);
    cookies = JSON.parse(row.cookie_keys);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  const jwkResult = privateRsaJwk.safeParse(signing);
  if (!jwkResult.success) throw damaged(`signing key ${firstIssue(jwkResult.error)}`);
  const cookieResult = cookieKeyList.safeParse(cookies);
  if (!cookieResult.success) throw damaged(`cookie keys ${firstIssue(cookieResult.error)}`);
  const jwk = jwkResult.data;
  const cookieKeys = cookieResult.data;
  const { kty, kid, alg, use, n, e } = jwk;
  return { privateJwk: jwk, publicJwks: { keys: [{ kty, kid, alg, use, n, e }] }, cookieKeys };
}

/** The keys of `server`, generated and stored on first use. */
export async function loadServerKeys(database: StateDatabase, server: string): Promise<ServerKeys> {
  const select = database.sqlite.prepare("SELECT signing_jwk, cookie_keys FROM server_keys WHERE server = ?");
  type Row = { signing_jwk: string; cookie_keys: string };
  let row = select.get(server) as Row | undefined;
  if (!row) {
    const fresh = await generate();
    // Another process opening the same directory may have won the race: its keys stay.
    database.sqlite
      .prepare(
        `INSERT INTO server_keys (server, signing_jwk, cookie_keys, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (server) DO NOTHING`,
      )
      .run(server, fresh.signingJwk, fresh.cookieKeys, database.now());
    row = select.get(server) as Row;
  }
  return parseStored(server, database.where, row);
}
