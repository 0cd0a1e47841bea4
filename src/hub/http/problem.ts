import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { GatehouseError, errorCodes, isErrorCode, statusOf, type ErrorCode } from "../../errors.ts";
import { isDatabaseUnavailableError } from "../../db/index.ts";

/** One field-level complaint in a `validation_failed` problem. */
export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. "/scopes/0"; "" for the body as a whole. */
  field: string;
  message: string;
}

/** RFC 9457 problem details as the hub sends them, plus safe extra fields. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [extra: string]: unknown;
}

/** The problem-type URI of a code: one per code, as RFC 9457 asks. */
export const problemType = (code: string): string =>
  `https://gatehouse.dev/problems/${code.replace(/_/g, "-")}`;

/**
 * Problem details for `code`, with its registry status and title. `status` is given only where the same
 * code answers with another status in context (a view error an app reported, a Fastify client error).
 */
export function problem(
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
  status: number = statusOf(code),
): Problem {
  // A code from outside the registry can only be a value cast to ErrorCode.
  const title = isErrorCode(code) ? errorCodes[code].title : status >= 500 ? "Server error" : "Client error";
  return { ...extra, type: problemType(code), title, status, detail, code };
}

/** Errors a route throws on purpose for a well-formed but refused request. */
export const httpErrors = {
  unauthenticated: (detail = "Sign in first") => new GatehouseError("unauthenticated", detail),
  forbidden: (detail = "Your role may not do this") => new GatehouseError("forbidden", detail),
  notFound: (detail = "Nothing here") => new GatehouseError("not_found", detail),
  validation: (errors: FieldError[]) =>
    new GatehouseError("validation_failed", summarize(errors), { errors }),
};

function summarize(errors: FieldError[]): string {
  const first = errors[0];
  if (!first) return "The request is not valid";
  const where = first.field ? `${first.field}: ` : "";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
  return `${where}${first.message}${more}`;
}

/** Field-level errors from a zod failure; paths become "/a/0/b". */
export function zodFieldErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? `/${issue.path.map(String).join("/")}` : "",
    message: issue.message,
  }));
}

interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Field-level errors from Fastify's ajv validation. */
function ajvFieldErrors(validation: AjvError[], context: string | undefined): FieldError[] {
  return validation.map((issue) => {
    let field = issue.instancePath ?? "";
    let message = issue.message ?? "is invalid";
    if (issue.keyword === "additionalProperties" && typeof issue.params?.additionalProperty === "string") {
      field = `${field}/${issue.params.additionalProperty}`;
      message = "is not a known field";
    } else if (issue.keyword === "required" && typeof issue.params?.missingProperty === "string") {
      field = `${field}/${issue.params.missingProperty}`;
      message = "is required";
    }
    const prefix = context && context !== "body" ? `${context}:` : "";
    return { field: `${prefix}${field}`, message };
  });
}

const UNEXPECTED = "The hub hit an unexpected problem; it has been logged";

/** What Fastify refused before a route ran, by its error code: the hub's code and words for it. */
const FASTIFY_REFUSALS = new Map<string, [ErrorCode, string]>([
  ["FST_ERR_CTP_INVALID_JSON_BODY", ["invalid_json", "The body is not valid JSON"]],
  ["FST_ERR_CTP_EMPTY_JSON_BODY", ["invalid_json", "The body is empty but its content type says JSON"]],
  ["FST_ERR_CTP_BODY_TOO_LARGE", ["payload_too_large", "The body is larger than the hub accepts"]],
  [
    "FST_ERR_CTP_INVALID_MEDIA_TYPE",
    ["unsupported_media_type", "Send JSON (Content-Type: application/json)"],
  ],
  ["FST_ERR_CTP_INVALID_CONTENT_LENGTH", ["invalid_request", "The Content-Length does not match the body"]],
  ["FST_ERR_BAD_URL", ["invalid_request", "The URL is not valid"]],
]);

const databaseUnavailable = (): Problem =>
  problem("database_unavailable", "The hub cannot reach its database right now; try again shortly");

/** 5xx GatehouseErrors whose message is written for callers (the rest are bugs: generic words only). */
function exposesMessage(err: GatehouseError): boolean {
  return isErrorCode(err.code) && errorCodes[err.code].exposeMessage === true;
}

/** Turns whatever a route or Fastify threw into problem details; never exposes a stack or an unknown message. */
export function toProblem(err: unknown): Problem {
  if (err instanceof ZodError) {
    const errors = zodFieldErrors(err);
    return problem("validation_failed", summarize(errors), { errors });
  }
  if (err instanceof GatehouseError) {
    const status = err.status >= 400 && err.status <= 599 ? err.status : 500;
    if (status >= 500 && !exposesMessage(err)) {
      return isDatabaseUnavailableError(err.cause)
        ? databaseUnavailable()
        : problem(err.code, UNEXPECTED, {}, status);
    }
    return problem(err.code, err.message, err.details ?? {}, status);
  }
  if (isDatabaseUnavailableError(err)) return databaseUnavailable();
  const fastifyError = err as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = ajvFieldErrors(fastifyError.validation, fastifyError.validationContext);
    return problem("validation_failed", summarize(errors), { errors });
  }
  const refused = fastifyError.code ? FASTIFY_REFUSALS.get(fastifyError.code) : undefined;
  if (refused) return problem(...refused);
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (status === 404) return problem("not_found", "Nothing here");
  if (status === 429) return problem("rate_limited", "Too many requests; wait a moment and try again");
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (e.g. a prototype-poisoned JSON body): the code is ours, the words generic.
    return problem("invalid_request", "The request is not valid", {}, status);
  }
  return problem("internal_error", UNEXPECTED);
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).header("content-type", "application/problem+json; charset=utf-8").send(body);
}

/** Fastify error handler: every error becomes problem details; 5xx are logged with their stack (server-side only). */
export function problemErrorHandler(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const body = toProblem(err);
  if (body.status >= 500 && err instanceof GatehouseError && exposesMessage(err)) {
    // A provider's failure, not a bug: its message and details carry the provider's own words (its
    // error_description, which may echo what it was sent); they go to the caller, only their kind to the log.
    const { providerStatus, providerError, reason, retryAfterSeconds } = err.details ?? {};
    request.log.error(
      { problem: body.code, status: body.status, providerStatus, providerError, reason, retryAfterSeconds },
      "request failed",
    );
  } else if (body.status >= 500) request.log.error({ err }, "request failed");
  else request.log.info({ problem: body.code, status: body.status }, "request refused");
  return sendProblem(reply, body);
}
