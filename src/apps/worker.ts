/**
 * The app process: loads one app's entry module, reports its manifest, and runs view invocations the hub
 * sends over IPC, each inside its own invocation context (capability, hub URL, host mapping). It holds no
 * hub secrets: its environment is scrubbed, its file access limited, and tokens come only through the
 * capability exchange. Bundled together with the app and the SDK by bundle.ts; `runAppProcess` is the start.
 */
import { isGatehouseApp, manifestOf, type GatehouseApp } from "../sdk/app.ts";
import { GatehouseSdkError } from "../sdk/errors.ts";
import { runInInvocation, setDefaultHostMap } from "../sdk/invocation.ts";
import { DataResult, ResultError, TableResult, WebResult } from "../sdk/results.ts";
import type { AppToHub, HubToApp, InvokeMessage, SerializedError } from "./protocol.ts";

const RESULT_CLASSES = { data: DataResult, table: TableResult, web: WebResult } as const;

function send(message: AppToHub): void {
  process.send?.(message);
}

function serializeError(err: unknown, view: string): SerializedError {
  if (err instanceof GatehouseSdkError) {
    return { code: err.code, message: err.message, status: err.status, details: err.details() };
  }
  if (err instanceof ResultError) {
    return {
      code: "invalid_result",
      message: `View "${view}" built an invalid result: ${err.message}`,
      status: 500,
      details: {},
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  // The app's own failure: its message is the app's words; the stack stays in this process's log.
  console.error(`view "${view}" failed:`, err);
  return { code: "view_failed", message: `View "${view}" failed: ${message}`, status: 500, details: {} };
}

async function invoke(app: GatehouseApp, message: InvokeMessage): Promise<void> {
  const view = app.views[message.view];
  try {
    if (!view) throw new GatehouseSdkError("view_not_found", `The app has no view "${message.view}"`, 404);
    const context = {
      hubUrl: message.hubUrl,
      capability: message.capability,
      hostMap: message.hostMap,
      tokens: new Map(),
    };
    const result: unknown = await runInInvocation(context, () =>
      view.handler({ params: message.params as never }),
    );
    const expected = RESULT_CLASSES[view.kind as keyof typeof RESULT_CLASSES];
    if (!(result instanceof expected)) {
      throw new ResultError(`a ${view.kind}View must return a ${expected.name} (got ${describe(result)})`);
    }
    send({
      type: "result",
      id: message.id,
      ok: true,
      result: result.toJSON(),
    });
  } catch (err) {
    send({ type: "result", id: message.id, ok: false, error: serializeError(err, message.view) });
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  return typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
}

/** Loads the app (lazily, so that an error at import is reported rather than crashing) and serves IPC. */
export async function runAppProcess(load: () => Promise<{ default?: unknown }>): Promise<void> {
  let app: GatehouseApp;
  try {
    const loaded = await load();
    if (!isGatehouseApp(loaded.default)) {
      throw new Error("the entry module must export default defineApp({ parametrization, views })");
    }
    app = loaded.default;
  } catch (err) {
    send({ type: "load_error", message: err instanceof Error ? err.message : String(err) });
    // Give the message time to leave before the process ends.
    setTimeout(() => process.exit(1), 50);
    return;
  }
  process.on("message", (message: HubToApp) => {
    if (message?.type === "invoke") {
      if (message.hostMap) setDefaultHostMap(message.hostMap);
      void invoke(app, message);
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", manifest: manifestOf(app) });
}
