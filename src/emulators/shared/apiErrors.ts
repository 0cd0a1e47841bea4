/**
 * How an emulator's resource API answers errors in its platform's own shape: its error class as is, an
 * unknown route as its not-found error, a request Fastify refused (bad JSON, wrong content type) as its
 * bad-request body, anything else as its internal-error body, logged.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** An error the platform's API sends as it is: status, extra headers, and its body. */
export interface PlatformApiError {
  readonly status: number;
  readonly headers?: Record<string, string>;
  body(): unknown;
}

export interface PlatformErrorShape<E extends PlatformApiError> {
  /** Names the API in the log line of an unexpected failure. */
  name: string;
  contentType: string;
  /** The platform's own error class: its errors are sent as they are. */
  errorClass: abstract new (...args: never[]) => E;
  /** The body for a request Fastify refused before the route ran. */
  invalidRequest(status: number, message: string): unknown;
  /** The body for a fault (429, 5xx) the knobs inject; an unexpected failure answers as a 500 fault. */
  fault(status: number): unknown;
  /** The error for a path (without its query) that no route serves. */
  notFound(path: string): E;
}

/** One answer of the platform's outside its routes: its content type and the body for what it is given. */
export interface PlatformAnswer<T> {
  contentType: string;
  body(given: T): unknown;
}

/**
 * How the platform answers outside its APIs' routes, from the same shape its routes answer errors in: a
 * fault (429, 5xx) the knobs inject, and a path no route serves with its not-found body.
 */
export function platformAnswers<E extends PlatformApiError>(
  shape: PlatformErrorShape<E>,
): { apiFault: PlatformAnswer<number>; notFound: PlatformAnswer<string> } {
  return {
    apiFault: { contentType: shape.contentType, body: (status) => shape.fault(status) },
    notFound: { contentType: shape.contentType, body: (path) => shape.notFound(path).body() },
  };
}

/**
 * Returns a function that sets a Fastify scope's error and not-found handlers, so that every error under it
 * answers in the platform's shape.
 */
export function platformErrorHandlers<E extends PlatformApiError>(
  shape: PlatformErrorShape<E>,
): (scope: FastifyInstance) => void {
  const sendError = (reply: FastifyReply, error: E): FastifyReply =>
    reply
      .code(error.status)
      .headers(error.headers ?? {})
      .type(shape.contentType)
      .send(error.body());

  const handleError = (
    error: FastifyError | Error,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply => {
    if (error instanceof shape.errorClass) return sendError(reply, error);
    const status = "statusCode" in error && typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, `${shape.name} api failed`);
      return reply.code(500).type(shape.contentType).send(shape.fault(500));
    }
    return reply.code(status).type(shape.contentType).send(shape.invalidRequest(status, error.message));
  };

  return (scope) => {
    scope.setErrorHandler(handleError);
    scope.setNotFoundHandler((request, reply) =>
      sendError(reply, shape.notFound(request.url.split("?")[0]!)),
    );
  };
}
