import type { FastifyReply } from "fastify";
import { GatehouseError } from "../errors.ts";
import { connectPageWords } from "./connectFlow.ts";
import { sendErrorPage } from "./errorPage.ts";
import { toProblem } from "./problem.ts";

/**
 * A refusal of the connect flow as the readable page a person sees (the flow runs in a browser, not a
 * program): the provider's own words when it refused, else the flow's words for the code.
 */
export function sendConnectPage(reply: FastifyReply, err: unknown): FastifyReply {
  const providerError = err instanceof GatehouseError ? err.details?.providerError : undefined;
  if (err instanceof GatehouseError && typeof providerError === "string") {
    const said = providerError.slice(0, 100).replace(/_/g, " ");
    const described = err.details?.providerDescription;
    const description = typeof described === "string" ? ` (${described.slice(0, 300)})` : "";
    const status = err.status === 503 ? 503 : err.status >= 500 ? 502 : 400;
    return sendErrorPage(reply, status, err.code, `The provider said: ${said}${description}.`);
  }
  const body = toProblem(err);
  const words = connectPageWords[body.code as keyof typeof connectPageWords];
  return sendErrorPage(reply, body.status, body.code, words ?? body.detail);
}
