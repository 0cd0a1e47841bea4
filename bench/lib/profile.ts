/**
 * Where a token read's CPU time goes: a V8 `.cpuprofile` (node --cpu-prof) of a hub under load, each sample
 * given to the nearest frame on its stack that belongs to a known part — routing (Fastify and its
 * plugins), auth (the credential lookup and the PAT hash), database (Kysely, pg, better-sqlite3), crypto
 * (AES-GCM opens), logging (pino), serialisation (fast-json-stringify), the token logic itself (vault,
 * caches, the token route), metrics, Node's HTTP — or "other" (the runtime, the loader). Idle samples are
 * left out: the shares are of busy time.
 */

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export const PARTS = [
  "routing",
  "auth",
  "database",
  "crypto",
  "logging",
  "serialisation",
  "token logic",
  "metrics",
  "node http",
  "gc",
  "other",
] as const;
export type Part = (typeof PARTS)[number];

/** Rules, first match wins, on a frame's script URL (a path fragment). */
const URL_RULES: [RegExp, Part][] = [
  [
    /\/node_modules\/(pino|sonic-boom|fast-redact|pino-std-serializers|thread-stream)\/|\/src\/hub\/(?:\w+\/)?(logger|requestLogger|accessLog)\.ts/,
    "logging",
  ],
  [/\/node_modules\/fast-json-stringify\//, "serialisation"],
  [/\/node_modules\/(kysely|pg|pg-pool|pg-protocol|pg-types|better-sqlite3)\/|\/src\/db\//, "database"],
  [/\/src\/vault\/(cipher|keyRing)\.ts|node:internal\/crypto\/(cipher|aes|keys|webcrypto)/, "crypto"],
  [
    /\/src\/hub\/(?:\w+\/)?(auth|accounts|credentialCache|patScopes)\.ts|\/src\/vault\/hashing\.ts|node:internal\/crypto\/hash/,
    "auth",
  ],
  [/\/node_modules\/prom-client\/|\/src\/hub\/(?:\w+\/)?metrics\.ts/, "metrics"],
  [
    /\/src\/hub\/(?:\w+\/)?(tokens|appTokens|assignment|runtimeRoutes|heldTokenLane)\.ts|\/src\/vault\/|\/src\/cache\/|\/src\/names\.ts/,
    "token logic",
  ],
  [
    /\/node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify\/[^/]+|fastify-plugin|ajv|fast-querystring|fast-uri|fast-decode-uri-component|safe-regex2|toad-cache|abstract-logging|process-warning|rfdc|secure-json-parse|content-type)\/|\/src\/hub\/(?:\w+\/)?(server|problem|context|lazySchemas|frontServer)\.ts/,
    "routing",
  ],
  [/^node:(_http_|http|net|internal\/(http|stream|streams|net|url|querystring|timers))/, "node http"],
];

function partOf(frame: CallFrame): Part | null {
  if (frame.functionName === "(garbage collector)") return "gc";
  for (const [pattern, part] of URL_RULES) if (pattern.test(frame.url)) return part;
  return null;
}

export interface ProfileSummary {
  /** Busy time in the profile (ms). */
  busyMs: number;
  /** Share of busy time per part, in percent (one decimal). */
  shares: Record<Part, number>;
}

/**
 * The busy time of `profile` by part. With `window`, only the samples from the first to the last whose stack
 * has a frame in a script matching it (e.g. the token route): the start-up and shutdown are left out.
 */
export function summarise(profile: CpuProfile, window?: RegExp): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inWindow = new Map<number, boolean>();
  const under = (id: number): boolean => {
    const known = inWindow.get(id);
    if (known !== undefined) return known;
    const up = parent.get(id);
    const result = window!.test(byId.get(id)!.callFrame.url) || (up !== undefined && under(up));
    inWindow.set(id, result);
    return result;
  };
  const partCache = new Map<number, Part | "idle">();
  const resolve = (id: number): Part | "idle" => {
    const cached = partCache.get(id);
    if (cached) return cached;
    const frame = byId.get(id)!.callFrame;
    let part: Part | "idle";
    if (frame.functionName === "(idle)") part = "idle";
    else if (frame.functionName === "(program)") part = "other";
    else {
      const own = partOf(frame);
      const up = parent.get(id);
      // Node's own HTTP and stream code runs on behalf of its caller (pg reading its socket, Fastify
      // writing an answer): a part above it on the stack wins; Node's HTTP only when none does, or when
      // the token logic itself answers (the fast lane writes its reply with Node's API, as a bare route).
      const above = up === undefined ? "other" : resolve(up);
      if (own === null) part = above;
      else if (own === "node http" && above !== "other" && above !== "token logic") part = above;
      else part = own;
    }
    partCache.set(id, part);
    return part;
  };
  // Time per sample from timeDeltas where present (the samples are not evenly spaced), else hit counts.
  const time = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    const samples = profile.samples;
    let first = 0;
    let last = samples.length - 1;
    if (window) {
      first = samples.findIndex(under);
      last = samples.findLastIndex(under);
      if (first < 0) throw new Error(`no sample in the profile ran ${window}`);
    }
    for (let i = first; i <= last; i++) {
      const id = samples[i]!;
      time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
    }
  } else {
    const interval =
      (profile.endTime - profile.startTime) / Math.max(1, sum(profile.nodes.map((n) => n.hitCount ?? 0)));
    for (const node of profile.nodes) time.set(node.id, (node.hitCount ?? 0) * interval);
  }
  const totals = Object.fromEntries(PARTS.map((p) => [p, 0])) as Record<Part, number>;
  for (const [id, us] of time) {
    const part = resolve(id);
    if (part !== "idle") totals[part] += us;
  }
  const busy = sum(Object.values(totals));
  const shares = Object.fromEntries(
    PARTS.map((p) => [p, busy === 0 ? 0 : Math.round((totals[p] / busy) * 1000) / 10]),
  ) as Record<Part, number>;
  return { busyMs: Math.round(busy / 1000), shares };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
