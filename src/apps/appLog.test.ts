import { describe, expect, it } from "vitest";
import { AppOutput, LineSplitter, LogBudget, type AppLogLimits } from "./appLog.ts";

describe("LineSplitter", () => {
  it("joins lines across chunks and keeps a last line without a newline for the end", () => {
    const splitter = new LineSplitter(100);
    expect(splitter.push("one\ntw")).toEqual([{ line: "one", cut: false }]);
    expect(splitter.push("o\n\nthree")).toEqual([
      { line: "two", cut: false },
      { line: "", cut: false },
    ]);
    expect(splitter.end()).toEqual([{ line: "three", cut: false }]);
  });

  it("cuts a long line at the cap as soon as it is reached and skips the rest of it", () => {
    const splitter = new LineSplitter(5);
    expect(splitter.push("abcdefgh")).toEqual([{ line: "abcde", cut: true }]);
    expect(splitter.push("ijk".repeat(1000))).toEqual([]);
    expect(splitter.push("xyz\nnext\n")).toEqual([{ line: "next", cut: false }]);
    expect(splitter.push("1234567\n")).toEqual([{ line: "12345", cut: true }]);
    expect(splitter.end()).toEqual([]);
  });
});

interface Entry {
  level: "info" | "warn";
  obj: Record<string, unknown>;
  msg: string;
}

function capture(limits: AppLogLimits) {
  let now = 1_000_000;
  const entries: Entry[] = [];
  const logger = {
    info: (obj: object, msg: string) => entries.push({ level: "info", obj: obj as Entry["obj"], msg }),
    warn: (obj: object, msg: string) => entries.push({ level: "warn", obj: obj as Entry["obj"], msg }),
  };
  const budget = new LogBudget(limits, () => now);
  const output = new AppOutput("hostile", logger, budget, limits);
  return {
    output,
    entries,
    advance: (ms: number) => {
      now += ms;
    },
    outputs: () => entries.filter((e) => e.msg === "app output").map((e) => e.obj.output),
    /** The app's next process: fresh streams, the same budget. */
    nextProcess: () => new AppOutput("hostile", logger, budget, limits),
  };
}

describe("AppOutput", () => {
  it("logs stdout as info and stderr as warn, with the app's name, skipping blank lines", () => {
    const { output, entries } = capture({ maxLineChars: 100, linesPerMinute: 10, bytesPerMinute: 1000 });
    output.write("stdout", "hello\n  \n");
    output.write("stderr", "oops\n");
    expect(entries).toEqual([
      { level: "info", obj: { app: "hostile", stream: "stdout", output: "hello" }, msg: "app output" },
      { level: "warn", obj: { app: "hostile", stream: "stderr", output: "oops" }, msg: "app output" },
    ]);
    expect(output.lastErrorLine).toBe("oops");
  });

  it("marks a cut line", () => {
    const { output, entries } = capture({ maxLineChars: 3, linesPerMinute: 10, bytesPerMinute: 1000 });
    output.write("stdout", "abcdef\n");
    expect(entries[0]?.obj).toEqual({ app: "hostile", stream: "stdout", output: "abc", cut: true });
  });

  it("drops lines over the per-minute line budget with one warning, then says how many it dropped", () => {
    const { output, entries, advance, outputs } = capture({
      maxLineChars: 100,
      linesPerMinute: 3,
      bytesPerMinute: 10_000,
    });
    output.write("stdout", Array.from({ length: 10 }, (_, i) => `line ${i}\n`).join(""));
    expect(outputs()).toEqual(["line 0", "line 1", "line 2"]);
    expect(entries.filter((e) => e.msg.startsWith("app output over its budget"))).toHaveLength(1);
    advance(59_999);
    output.write("stdout", "still dropped\n");
    expect(outputs()).toHaveLength(3);
    advance(1);
    output.write("stderr", "a new minute\n");
    expect(outputs()).toEqual(["line 0", "line 1", "line 2", "a new minute"]);
    expect(entries.find((e) => e.msg === "app output dropped over its budget")?.obj).toEqual({
      app: "hostile",
      droppedLines: 8,
      droppedBytes: 7 * "line n".length + "still dropped".length,
    });
  });

  it("keeps the budget across the app's processes: a restart does not refill it", () => {
    const { output, outputs, nextProcess } = capture({
      maxLineChars: 100,
      linesPerMinute: 2,
      bytesPerMinute: 1000,
    });
    output.write("stdout", "one\ntwo\n");
    nextProcess().write("stdout", "three\n");
    expect(outputs()).toEqual(["one", "two"]);
  });

  it("drops over the byte budget, counting bytes not characters", () => {
    const { output, outputs } = capture({ maxLineChars: 100, linesPerMinute: 100, bytesPerMinute: 10 });
    output.write("stdout", "ééééé\n"); // 10 bytes
    output.write("stdout", "x\n");
    expect(outputs()).toEqual(["ééééé"]);
  });

  it("reports what was dropped when the process ends, even within the minute", () => {
    const { output, entries } = capture({ maxLineChars: 100, linesPerMinute: 1, bytesPerMinute: 1000 });
    output.write("stdout", "a\nb\nc");
    output.end();
    expect(entries.at(-1)).toEqual({
      level: "warn",
      obj: { app: "hostile", droppedLines: 2, droppedBytes: 2 },
      msg: "app output dropped over its budget",
    });
  });
});
