/**
 * Client authentication at the token, introspection and revocation endpoints, for the requests the emulator
 * answers itself rather than oidc-provider: HTTP Basic (`client_id:client_secret`, each URL-encoded, as
 * RFC 6749 §2.3.1 says) or the form body, and a public client by its id alone.
 */
import { timingSafeEqual } from "node:crypto";
import type { SandboxClients } from "./clients.ts";

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The id of the client that authenticated with this request, or null when none did. */
export function authenticateClient(
  clients: SandboxClients,
  authorization: string | undefined,
  form: URLSearchParams,
): string | null {
  let clientId = form.get("client_id");
  let secret = form.get("client_secret");
  if (authorization?.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    try {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      secret = decodeURIComponent(decoded.slice(colon + 1));
    } catch {
      return null;
    }
  }
  if (!clientId) return null;
  const metadata = clients.metadata(clientId);
  if (!metadata) return null;
  if (metadata.token_endpoint_auth_method === "none") return secret ? null : clientId;
  return secret && metadata.client_secret && sameSecret(secret, metadata.client_secret) ? clientId : null;
}
