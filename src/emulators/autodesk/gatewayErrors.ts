/**
 * What the APS API gateway itself answers, before any service (Data Management, the User Profile API)
 * sees the request: the documented authentication error body `{developerMessage, userMessage, errorCode,
 * "more info"}` (APS Authentication v2, "Error Handling"). The gateway's code for a path no service
 * serves is not documented; the emulator says `NOT_FOUND` in the same body.
 */
export const GATEWAY_CONTENT_TYPE = "application/json; charset=utf-8";

const ERROR_HANDLING_URL = "https://aps.autodesk.com/en/docs/oauth/v2/developers_guide/error_handling/";

export interface GatewayErrorBody {
  developerMessage: string;
  userMessage: string;
  errorCode: string;
  "more info": string;
}

export function gatewayError(errorCode: string, developerMessage: string): GatewayErrorBody {
  return { developerMessage, userMessage: "", errorCode, "more info": ERROR_HANDLING_URL };
}

/** The answer for a path outside every emulated API. */
export function gatewayNotFound(path: string): GatewayErrorBody {
  return gatewayError("NOT_FOUND", `The requested resource does not exist: ${path}`);
}
