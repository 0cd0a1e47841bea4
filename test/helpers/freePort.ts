/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a server that must be told its port before it
 * starts (a hub whose public URL names it, a restart on the same ports).
 *
 * Chosen below the kernel's ephemeral range, so that no `listen(0)` anywhere on the machine — the other
 * suites' servers, emulators started on port 0 — can be handed the same port between the probe and the
 * bind. Probing with `listen(0)` itself lost that race now and then (EADDRINUSE in `gatehouse start`).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Ports below this are left alone (well-known and registered services). */
const LOWEST = 10_000;

/** The first port of the ephemeral range (Linux's default when it cannot be read). */
function ephemeralStart(): number {
  try {
    const first = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** Resolves with the port `port` is listening on once closed again, or null when it could not listen. */
function probe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(address && typeof address === "object" ? address.port : null));
    });
  });
}

export async function freePort(): Promise<number> {
  const top = ephemeralStart();
  if (top - LOWEST >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = await probe(LOWEST + Math.floor(Math.random() * (top - LOWEST)));
      if (found !== null) return found;
    }
  }
  // No room below the ephemeral range (or all taken): let the kernel choose.
  const port = await probe(0);
  if (port === null) throw new Error("no free port on 127.0.0.1");
  return port;
}
