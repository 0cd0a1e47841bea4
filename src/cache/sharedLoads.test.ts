import { describe, expect, it } from "vitest";
import { SharedLoads } from "./sharedLoads.ts";

/** A read that waits for `settle`, counted. */
function reads() {
  let count = 0;
  const pending: ((value: string | Error) => void)[] = [];
  const read = () => {
    count += 1;
    return new Promise<string>((resolve, reject) =>
      pending.push((value) => (value instanceof Error ? reject(value) : resolve(value))),
    );
  };
  const settle = (value: string | Error) => pending.splice(0).forEach((finish) => finish(value));
  return { read, settle, count: () => count };
}

describe("SharedLoads", () => {
  it("shares one read among the loads of a key made while it is under way", async () => {
    const loads = new SharedLoads<string>();
    const r = reads();
    const all = [loads.load("k", 1, r.read), loads.load("k", 1, r.read), loads.load("k", 1, r.read)];
    const other = loads.load("other", 1, r.read);
    expect(r.count()).toBe(2);
    r.settle("v");
    expect(await Promise.all([...all, other])).toEqual(["v", "v", "v", "v"]);
    // Settled: the next load reads again.
    void loads.load("k", 1, r.read);
    expect(r.count()).toBe(3);
    r.settle("w");
  });

  it("starts a new read when a change was heard since the one under way began", () => {
    const loads = new SharedLoads<string>();
    const r = reads();
    void loads.load("k", 1, r.read);
    void loads.load("k", 2, r.read);
    void loads.load("k", 2, r.read);
    expect(r.count()).toBe(2);
    r.settle("v");
  });

  it("gives a failed read's error to every load that shared it, then forgets it", async () => {
    const loads = new SharedLoads<string>();
    const r = reads();
    const both = [loads.load("k", 1, r.read), loads.load("k", 1, r.read)];
    r.settle(new Error("database down"));
    for (const load of both) await expect(load).rejects.toThrow("database down");
    const again = loads.load("k", 1, r.read);
    expect(r.count()).toBe(2);
    r.settle("v");
    expect(await again).toBe("v");
  });
});
