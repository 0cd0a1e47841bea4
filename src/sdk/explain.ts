/**
 * Human explanations for provider answers that are easy to misread. The platforms' own messages say what
 * failed; these say why and what to do, in words a user of an app can act on.
 */

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const str = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** The provider's own error code and message, from the body shapes of Bentley, APS, Seequent and RFC 6749. */
export function providerErrorOf(body: unknown): { code: string | null; message: string | null } {
  if (!isObject(body))
    return { code: null, message: typeof body === "string" && body.length < 300 ? str(body) : null };
  // Bentley: {"error": {"code", "message"}}
  if (isObject(body.error)) return { code: str(body.error.code), message: str(body.error.message) };
  // RFC 6749: {"error": "...", "error_description": "..."}
  if (typeof body.error === "string") return { code: body.error, message: str(body.error_description) };
  // APS Data Management (JSON:API): {"errors": [{"status","code","detail"}]}
  if (Array.isArray(body.errors) && isObject(body.errors[0])) {
    const first = body.errors[0];
    return { code: str(first.code), message: str(first.detail) ?? str(first.title) };
  }
  // APS legacy: {"developerMessage", "errorCode"}; Seequent: RFC 7807 {"title","detail"}
  if (str(body.developerMessage)) return { code: str(body.errorCode), message: str(body.developerMessage) };
  if (str(body.detail) || str(body.title))
    return { code: str(body.type), message: str(body.detail) ?? str(body.title) };
  return { code: null, message: null };
}

/** Which iTwin permission a request to `url` needs, when it can be told from the path. */
function bentleyPermissionFor(url: string | null): string | null {
  if (!url) return null;
  const path = new URL(url).pathname;
  if (path.startsWith("/imodels")) return "imodels_read";
  if (path.startsWith("/itwins")) return "itwins_read";
  return null;
}

/** A sentence explaining a failed provider answer: known cases get a real explanation, others the provider's words. */
export function explainProviderError(status: number, body: unknown, url: string | null = null): string {
  const { code, message } = providerErrorOf(body);
  if (code === "InsufficientPermissions") {
    const permission = bentleyPermissionFor(url);
    return (
      "Bentley refused the request: the integration's scope (itwin-platform) is fine, but your role on this iTwin " +
      `lacks a permission the call needs${permission ? ` (${permission})` : ""}. ` +
      "Ask an administrator of the iTwin to give you a role that includes it." +
      (message ? ` Bentley said: ${message}` : "")
    );
  }
  if (status === 401) {
    return `The provider refused the access token even after a refresh${message ? `: ${message}` : ""}. Try reconnecting the integration.`;
  }
  if (status === 403) {
    return `The provider refused access (403${code ? ` ${code}` : ""})${message ? `: ${message}` : ""}. The connected account may lack the rights for this data.`;
  }
  if (status === 404)
    return `The provider has no such resource (404${code ? ` ${code}` : ""})${message ? `: ${message}` : ""}`;
  if (status === 429)
    return "The provider is rate limiting requests and asked to wait longer than the app may; try again later.";
  if (status >= 500)
    return `The provider failed (${status})${message ? `: ${message}` : ""}; try again later.`;
  return `The provider answered ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
}

/**
 * An APS `GET /project/v1/hubs` answer with no hubs but a BIM360DM_ERROR warning means the ACC account
 * exists but has not added this app as a custom integration. Returns the explanation, or null when the
 * answer is not that case (hubs present, or simply none).
 */
export function explainApsHubsWarning(body: unknown): string | null {
  if (!isObject(body) || !Array.isArray(body.data) || body.data.length > 0) return null;
  const meta = isObject(body.meta) ? body.meta : null;
  const warnings = meta && Array.isArray(meta.warnings) ? meta.warnings.filter(isObject) : [];
  const warning = warnings.find((w) => str(w.ErrorCode) === "BIM360DM_ERROR") ?? warnings[0];
  if (!warning) return null;
  const title = str(warning.Title);
  return (
    "Autodesk returned no hubs, with a warning" +
    (title ? ` ("${title}")` : "") +
    ": your Autodesk Construction Cloud account has not added this app as a custom integration. " +
    "An ACC Account Admin must add the integration's APS client ID under Account Admin → Custom Integrations."
  );
}
