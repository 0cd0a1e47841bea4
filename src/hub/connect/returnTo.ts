/**
 * Where the hub may send a browser back to after a sign-in or a connect: a path on the hub, nothing else
 * (RFC 9700 §4.11, no open redirector). The one rule for every `returnTo`.
 */

/** A stand-in origin for reading paths and callback URLs as URLs. */
export const HUB_ORIGIN = "http://hub.invalid";

const MAX_LENGTH = 2048;

/** True when `path` reads as a path on this host in a browser: one leading slash, no backslash. */
function isHostPath(path: string): boolean {
  return path.startsWith("/") && !path.startsWith("//") && !path.includes("\\");
}

/**
 * `returnTo` when it is a path on this hub, else "/". The value is checked as sent and again after URL
 * normalisation, because the browser follows the normalised form: dot segments ("/.//x", "/a/..//x",
 * "/%2e%2e//x") collapse into "//x", which a browser reads as another host. Refuses absolute and
 * scheme-relative URLs, backslashes (browsers read "/\x" as "//x") and control characters (browsers strip
 * tabs and newlines, which can turn "/\t/x" into "//x"). Returns the normalised path, query and fragment.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== "string" || value === "" || value.length > MAX_LENGTH) return "/";
  if (!isHostPath(value)) return "/";
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, HUB_ORIGIN);
  } catch {
    return "/";
  }
  if (url.origin !== HUB_ORIGIN || !isHostPath(url.pathname)) return "/";
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  return normalised.length > MAX_LENGTH ? "/" : normalised;
}
