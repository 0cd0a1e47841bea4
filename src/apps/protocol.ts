import type { AppManifest } from "../sdk/app.ts";
import type { ParamValue } from "../sdk/fields.ts";
import type { ViewResultJSON } from "../sdk/results.ts";

/** Messages over the IPC channel between the hub and one app process. */

export interface InvokeMessage {
  type: "invoke";
  id: string;
  view: string;
  params: Record<string, ParamValue>;
  /** The hub's internal URL and the invocation's capability: how the SDK gets tokens. */
  hubUrl: string;
  capability: string;
  hostMap: Record<string, string>;
}
export type HubToApp = InvokeMessage;

/** An error as it crosses the process boundary: a stable code, the message, safe extra fields. */
export interface SerializedError {
  code: string;
  message: string;
  status: number;
  details: Record<string, unknown>;
}

export type AppToHub =
  | { type: "ready"; manifest: AppManifest }
  | { type: "load_error"; message: string }
  | { type: "result"; id: string; ok: true; result: ViewResultJSON }
  | { type: "result"; id: string; ok: false; error: SerializedError };
