/**
 * The messages of the hub–app runtime protocol, version 1 (docs/runtime-protocol.md), as types both sides
 * share. What an app sends is parsed with the schemas of src/apps/appMessages.ts (the worker bundles this
 * file, so it holds no schema library).
 */
import type { AppManifest } from "../sdk/app.ts";
import type { ParamValue } from "../sdk/fields.ts";

export const PROTOCOL_VERSION = 1;

// ---- hub → app ----

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
export interface ShutdownMessage {
  type: "shutdown";
}
export type HubToApp = InvokeMessage | ShutdownMessage;

// ---- app → hub ----

/** An error as it crosses the process boundary: a code, the message, extra fields (the hub keeps known ones). */
export interface SerializedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type ReadyMessage = { type: "ready"; protocol: typeof PROTOCOL_VERSION; manifest: AppManifest };
export type LoadErrorMessage = { type: "load_error"; message: string };
export type ResultMessage =
  | { type: "result"; id: string; ok: true; result: unknown }
  | { type: "result"; id: string; ok: false; error: SerializedError };
export type AppToHub = ReadyMessage | LoadErrorMessage | ResultMessage;
