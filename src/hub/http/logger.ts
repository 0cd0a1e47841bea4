import type { FastifyReply, FastifyRequest } from "fastify";
import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Field names that may hold a secret, at the top level and one or two levels down. The rule is still not
 * to pass secrets to the logger at all; this is the net under it.
 */
const SECRET_FIELDS = [
  "authorization",
  "cookie",
  "set-cookie",
  "clientSecret",
  "client_secret",
  "accessToken",
  "access_token",
  "refreshToken",
  "refresh_token",
  "idToken",
  "id_token",
  "password",
  "token",
  "code",
  "code_verifier",
  "codeVerifier",
  "state",
];

const redactPaths = SECRET_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`;
  const join = (prefix: string) => (key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key, join("*"), join("*.*"), join("req.headers"), join("res.headers")];
});

/** Only the path of a URL: query strings can carry `code` and `state` (the OAuth callback) and never reach a log. */
export function pathOnly(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: "[redacted]" },
      serializers: {
        // Never the headers (cookies, authorization) nor the query; defensive, since anything may be logged as `req`.
        req: (req: Partial<FastifyRequest>) => ({
          method: req.method,
          url: typeof req.url === "string" ? pathOnly(req.url) : undefined,
          remoteAddress: req.ip,
        }),
        res: (res: FastifyReply) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
