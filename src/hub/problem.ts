import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { GatehouseError } from "../errors.ts";
import { isDatabaseUnavailableError } from "../db/index.ts";

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

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    ...extra,
    type: `https://gatehouse.dev/problems/${code.replace(/_/g, "-")}`,
    title: titles[status] ?? (status >= 500 ? "Server Error" : "Client Error"),
    status,
    detail,
    code,
  };
}

/** Errors a route throws on purpose for a well-formed but refused request. */
export const httpErrors = {
  unauthenticated: () => new GatehouseError("unauthenticated", "Sign in first", 401),
  forbidden: (detail = "Your role may not do this") => new GatehouseError("forbidden", detail, 403),
  notFound: (detail = "Nothing here") => new GatehouseError("not_found", detail, 404),
  validation: (errors: FieldError[]) =>
    new GatehouseError("validation_failed", summarize(errors), 400, { errors }),
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

/** Turns whatever a route or Fastify threw into problem details; never exposes a stack or an unknown message. */
function databaseUnavailable(): Problem {
  return problem(
    503,
    "database_unavailable",
    "The hub cannot reach its database right now; try again shortly",
  );
}

export function toProblem(err: unknown): Problem {
  if (err instanceof ZodError) {
    const errors = zodFieldErrors(err);
    return problem(400, "validation_failed", summarize(errors), { errors });
  }
  if (err instanceof GatehouseError) {
    const status = err.status >= 400 && err.status <= 599 ? err.status : 500;
    if (status >= 500 && !exposedServerCodes.has(err.code) && isDatabaseUnavailableError(err.cause)) {
      return databaseUnavailable();
    }
    if (status >= 500 && !exposedServerCodes.has(err.code)) {
      return problem(status, err.code, "The hub hit an unexpected problem; it has been logged");
    }
    return problem(status, err.code, err.message, err.details ?? {});
  }
  if (isDatabaseUnavailableError(err)) {
    return problem(
      503,
      "database_unavailable",
      "The hub cannot reach its database right now; try again shortly",
    );
  }
  const fastifyError = err as Partial<FastifyError> & { validation?: AjvError[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation)) {
    const errors = ajvFieldErrors(fastifyError.validation, fastifyError.validationContext);
    return problem(400, "validation_failed", summarize(errors), { errors });
  }
  switch (fastifyError.code) {
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return problem(400, "invalid_json", "The body is not valid JSON");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return problem(400, "invalid_json", "The body is empty but its content type says JSON");
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return problem(413, "payload_too_large", "The body is larger than the hub accepts");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return problem(415, "unsupported_media_type", "Send JSON (Content-Type: application/json)");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return problem(400, "invalid_request", "The Content-Length does not match the body");
    case "FST_ERR_BAD_URL":
      return problem(400, "invalid_request", "The URL is not valid");
    default:
      break;
  }
  const status = typeof fastifyError.statusCode === "number" ? fastifyError.statusCode : 500;
  if (status === 404) return problem(404, "not_found", "Nothing here");
  if (status === 429) return problem(429, "rate_limited", "Too many requests; wait a moment and try again");
  if (status >= 400 && status < 500) {
    // Fastify's own client errors (e.g. a prototype-poisoned JSON body): the code is ours, the words generic.
    return problem(status, "invalid_request", "The request is not valid");
  }
  return problem(500, "internal_error", "The hub hit an unexpected problem; it has been logged");
}

/** 5xx GatehouseErrors whose message is written for callers (the rest are bugs: generic words only). */
const exposedServerCodes = new Set([
  "provider_unavailable",
  "invalid_client",
  "unauthorized_client",
  "invalid_provider_response",
  "provider_error",
  "not_ready",
]);

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
  if (body.status >= 500 && err instanceof GatehouseError && exposedServerCodes.has(err.code)) {
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
