/**
 * The Python worker (python/gatehouse/_worker.py) driven from a test the way the hub will drive it: the
 * isolated launcher (`python3 -I python/worker.py`: no PYTHONPATH, no user site-packages) in a child process
 * with the channel on fd 3 (Node makes the "pipe" a Unix socket pair), length-prefixed JSON frames
 * (docs/runtime-protocol.md), stdout and stderr kept as the app log.
 *
 *   const worker = startPythonWorker(appDir);
 *   const ready = await worker.next();                    // { type: "ready", manifest }
 *   const result = await worker.invoke({ view, params, hubUrl, capability, hostMap });
 *   await worker.close();
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Duplex } from "node:stream";

export const PYTHON_SDK_DIR = join(import.meta.dirname, "../../python");
const DEBIAN_PYTHON = "/usr/bin/python3";

/** The interpreter apps run with: GATEHOUSE_PYTHON, else Debian's /usr/bin/python3 where present, else python3. */
export function pythonInterpreter(): string {
  const configured = process.env.GATEHOUSE_PYTHON;
  if (configured) return configured;
  return existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : "python3";
}

export type WorkerMessage = { type: string; id?: string } & Record<string, unknown>;

export interface Invocation {
  view: string;
  params?: Record<string, unknown>;
  hubUrl: string;
  capability: string;
  hostMap: Record<string, string>;
}

export interface PythonWorker {
  /** The next message the worker sends (rejects when the channel ends first). */
  next(): Promise<WorkerMessage>;
  /** Sends one invoke and resolves with its result message. */
  invoke(invocation: Invocation): Promise<WorkerMessage>;
  /** What the app wrote to stdout and stderr so far. */
  log(): string;
  /** Closes the channel and resolves with the exit status. */
  close(): Promise<number | null>;
}

export function startPythonWorker(appDir: string, entry = "app.py"): PythonWorker {
  const launcher = join(PYTHON_SDK_DIR, "worker.py");
  const child: ChildProcess = spawn(pythonInterpreter(), ["-I", "-B", launcher, appDir, entry], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
    env: { PATH: process.env.PATH, LANG: "C.UTF-8", GATEHOUSE_CHANNEL_FD: "3" },
  });
  const channel = child.stdio[3] as Duplex;
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const inbox: WorkerMessage[] = [];
  const waiting: { resolve(m: WorkerMessage): void; reject(e: Error): void }[] = [];
  const byId = new Map<string, (m: WorkerMessage) => void>();
  let ended: Error | null = null;
  let buffer = Buffer.alloc(0);

  const deliver = (message: WorkerMessage) => {
    const forId = message.type === "result" && message.id ? byId.get(message.id) : undefined;
    if (forId) {
      byId.delete(message.id!);
      forId(message);
    } else if (waiting.length > 0) waiting.shift()!.resolve(message);
    else inbox.push(message);
  };
  channel.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 4) {
      const length = buffer.readUInt32BE(0);
      if (buffer.length < 4 + length) break;
      deliver(JSON.parse(buffer.subarray(4, 4 + length).toString("utf8")) as WorkerMessage);
      buffer = buffer.subarray(4 + length);
    }
  });
  channel.on("close", () => {
    ended = new Error(`the worker's channel closed; its log:\n${log}`);
    for (const waiter of waiting.splice(0)) waiter.reject(ended);
  });

  const send = (message: object) => {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length, 0);
    channel.write(Buffer.concat([header, body]));
  };

  return {
    next() {
      if (inbox.length > 0) return Promise.resolve(inbox.shift()!);
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    invoke(invocation) {
      const id = randomUUID();
      const answer = new Promise<WorkerMessage>((resolve) => byId.set(id, resolve));
      send({ type: "invoke", id, params: {}, ...invocation });
      return answer;
    },
    log: () => log,
    async close() {
      channel.end();
      return exited;
    },
  };
}
