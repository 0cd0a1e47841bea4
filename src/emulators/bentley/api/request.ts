/**
 * The request rules shared by the Bentley APIs: bearer token and scope, `Accept` version, `Prefer`,
 * `$top`/`$skip`, and the `_links` built from them. Each throws a BentleyApiError in the platform's shape.
 */
import type { FastifyRequest } from "fastify";
import { verifyBearer, type VerifiedToken } from "../../shared/accessToken.ts";
import type { EmulatorContext } from "../../shared/context.ts";
import { parseOrderBy, type OrderBy } from "./directory.ts";
import { errors, type BentleyErrorDetail } from "./errors.ts";

export const PLATFORM_SCOPE = "itwin-platform";

/** Verifies the bearer token and that it carries `itwin-platform`; returns the caller. */
export async function authenticate(request: FastifyRequest, ctx: EmulatorContext): Promise<VerifiedToken> {
  return verifyBearer(request.headers.authorization, ctx.verifyAccessToken, PLATFORM_SCOPE, {
    missing: errors.missingHeader,
    rejected: (expired) =>
      errors.invalidToken(expired ? "The access token has expired." : "The access token is invalid."),
    missingScope: errors.insufficientScope,
  });
}

const VENDOR_MEDIA_TYPE = /^application\/vnd\.bentley\.itwin-platform\.v(\d+)\+json$/i;

/**
 * Checks the `Accept` header against the API versions this route serves. No header, `*\/*`,
 * `application/json` or a listed version pass; a Bentley media type of another version alone is the
 * real gateway's 404 `ResourceNotFound` / `OperationNotFound`.
 */
export function checkAcceptVersion(request: FastifyRequest, versions: readonly number[]): void {
  const accept = request.headers.accept;
  if (accept === undefined || accept.trim() === "") return;
  let sawOtherVersion = false;
  for (const range of accept.split(",")) {
    const mediaType = range.split(";")[0]!.trim().toLowerCase();
    const match = VENDOR_MEDIA_TYPE.exec(mediaType);
    if (match) {
      if (versions.includes(Number(match[1]))) return;
      sawOtherVersion = true;
    } else if (mediaType === "*/*" || mediaType === "application/*" || mediaType === "application/json") {
      return;
    }
  }
  if (sawOtherVersion) throw errors.operationNotFound("Accept");
}

/** `Prefer: return=representation` → true; `return=minimal`, absent or anything else → false. */
export function wantsRepresentation(request: FastifyRequest): boolean {
  const prefer = request.headers.prefer;
  if (typeof prefer !== "string") return false;
  return prefer
    .split(/[,;]/)
    .map((part) => part.trim().toLowerCase())
    .includes("return=representation");
}

export type Query = Record<string, string | string[] | undefined>;

/** One query parameter's value (the first, when repeated). */
export function queryValue(query: unknown, name: string): string | undefined {
  const value = (query as Query)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An optional value that must be one of `allowed`, in any case; a bad one is added to `problems`. */
export function queryChoice<T extends string>(
  query: unknown,
  name: string,
  allowed: readonly T[],
  problems: BentleyErrorDetail[],
): T | undefined {
  const raw = queryValue(query, name);
  const value = allowed.find((a) => a.toLowerCase() === raw?.toLowerCase());
  if (raw !== undefined && !value) {
    problems.push({
      code: "InvalidValue",
      message: `'${name}' must be one of ${allowed.join(", ")}.`,
      target: name,
    });
  }
  return value;
}

/**
 * `$orderBy` as one of `fields` and an optional direction, read under `spellings[0]`, else `spellings[1]`
 * (each API documents its own case); absent, `fallback` ascending. A bad one is added to `problems` (null).
 */
export function queryOrderBy<K extends string>(
  query: unknown,
  spellings: readonly [string, string],
  fields: readonly K[],
  fallback: K,
  problems: BentleyErrorDetail[],
): OrderBy<K> | null {
  const [name, other] = spellings;
  const raw = queryValue(query, name) ?? queryValue(query, other);
  const orderBy =
    raw === undefined ? { field: fallback, direction: "asc" as const } : parseOrderBy(raw, fields);
  if (!orderBy) {
    problems.push({
      code: "InvalidValue",
      message: `'${name}' must be one of ${fields.join(", ")}, optionally followed by asc or desc.`,
      target: name,
    });
  }
  return orderBy;
}

export interface Page {
  top: number;
  skip: number;
}

/** Parses `$top` (1..max) and `$skip` (>= 0); a bad value is added to `problems` (the 422's `details`). */
export function parsePage(
  query: unknown,
  limits: { defaultTop: number; maxTop: number },
  problems: BentleyErrorDetail[],
): Page {
  const parse = (name: string, fallback: number, min: number, max: number): number => {
    const raw = queryValue(query, name);
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push({
        code: "InvalidValue",
        message: `'${name}' must be an integer between ${min} and ${max}.`,
        target: name,
      });
      return fallback;
    }
    return value;
  };
  const top = parse("$top", limits.defaultTop, 1, limits.maxTop);
  const skip = parse("$skip", 0, 0, Number.MAX_SAFE_INTEGER);
  return { top, skip };
}

export interface Links {
  self: { href: string };
  prev: { href: string } | null;
  next: { href: string } | null;
}

/**
 * `_links` for a page: the request's own query (its raw encoding kept) with `$skip`/`$top` replaced,
 * on the emulator's public base URL.
 */
export function pageLinks(
  request: FastifyRequest,
  ctx: EmulatorContext,
  path: string,
  page: Page,
  total: number,
): Links {
  const rawQuery = request.url.includes("?") ? request.url.slice(request.url.indexOf("?") + 1) : "";
  const kept = rawQuery
    .split("&")
    .filter((pair) => pair !== "")
    .filter((pair) => {
      const key = safeDecode(pair.split("=")[0]!);
      return key !== "$skip" && key !== "$top";
    });
  const base = ctx.baseUrl.replace(/\/+$/, "");
  const href = (skip: number): { href: string } => ({
    href: `${base}${path}?${[...kept, `$skip=${skip}`, `$top=${page.top}`].join("&")}`,
  });
  return {
    self: href(page.skip),
    prev: page.skip > 0 ? href(Math.max(0, page.skip - page.top)) : null,
    next: page.skip + page.top < total ? href(page.skip + page.top) : null,
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
