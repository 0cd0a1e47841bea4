import type { FastifyReply } from "fastify";
import type { ErrorCode } from "../../errors.ts";
import { providerRefusal, sendErrorPage } from "../http/errorPage.ts";
import { OIDC_LOGIN_PATH } from "./oidcPaths.ts";
import { toProblem } from "../http/problem.ts";

/** Words for the person whose sign-in failed, by code, where the error's own message is not for them. */
const signInWords: Partial<Record<ErrorCode, string>> = {
  issuer_mismatch: "The sign-in answer did not come from this hub's identity provider. Sign in again.",
  invalid_grant:
    "The identity provider did not accept the sign-in (the code was used, expired or did not match). Sign in again.",
  provider_unavailable: "The identity provider cannot be reached right now. Try again in a moment.",
  invalid_provider_response: "The identity provider's answer could not be read. Try again, or ask an admin.",
  invalid_client:
    "The identity provider refused this hub's client credentials. An admin must check GATEHOUSE_OIDC_CLIENT_ID and GATEHOUSE_OIDC_CLIENT_SECRET.",
  oidc_not_configured: "This hub has no identity provider configured. Sign in with your password.",
};

/**
 * A failed sign-in as a readable page (the flow runs in a browser): the provider's own words when it
 * refused, else the hub's; the stable code; Try again and Back to the sign-in page. Never a stack trace.
 */
export function sendSignInPage(reply: FastifyReply, err: unknown): FastifyReply {
  const context = {
    heading: "Could not sign in",
    integration: null,
    retryUrl: OIDC_LOGIN_PATH,
    back: { href: "/login", label: "Back to sign in" },
    settingsUrl: null,
  };
  const refusal = providerRefusal(err);
  if (refusal) {
    const { status, code, words } = refusal;
    return sendErrorPage(reply, status, code, `The identity provider said: ${words}.`, context);
  }
  const body = toProblem(err);
  const words = signInWords[body.code as ErrorCode];
  return sendErrorPage(reply, body.status, body.code, words ?? body.detail, context);
}
