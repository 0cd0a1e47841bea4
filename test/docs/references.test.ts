import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** What a reader cannot open from a checkout: the team's contract file and anything outside the repository. */
const OUTSIDE = /CONTRACT|\.\.\/shared\/|\/work\//;

function collect(): { out: Writable; text: () => string } {
  let text = "";
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString("utf8");
      done();
    },
  });
  return { out, text: () => text };
}

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory())
      return name === "node_modules" || name === "dist" ? [] : files(path, ext);
    return ext.test(name) ? [path] : [];
  });
}

// A new user reads --help, the README, the docs and the UI: none of them may point at a file that is not
// in the repository (issue 11: `--help` named a contract file nobody has).
describe("references a reader can follow", () => {
  it.each(["", "start", "emulate", "login", "token", "new", "dev", "keys", "users", "audit"])(
    "gatehouse %s --help names nothing outside the repository",
    async (command) => {
      const sink = collect();
      const code = await main([...(command ? [command] : []), "--help"], {
        env: {},
        out: sink.out,
        err: sink.out,
      });
      expect(code).toBe(0);
      expect(sink.text()).toContain("Usage: gatehouse");
      expect(sink.text()).not.toMatch(OUTSIDE);
    },
  );

  it("the README, docs and web UI name nothing outside the repository", () => {
    const read = [
      join(ROOT, "README.md"),
      ...files(join(ROOT, "docs"), /\.md$/),
      ...files(join(ROOT, "web/src"), /\.tsx?$/),
    ];
    const offenders = read
      .filter((path) => OUTSIDE.test(readFileSync(path, "utf8")))
      .map((path) => relative(ROOT, path));
    expect(offenders).toEqual([]);
  });
});
