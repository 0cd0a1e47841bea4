import { thrownBy } from "../../test/helpers/thrown.ts";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppDirError, checkAppDirectory } from "./appDir.ts";

let root: string;
let app: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "gatehouse-appdir-")));
  app = join(root, "app");
  mkdirSync(join(app, "lib", "deep"), { recursive: true });
  writeFileSync(join(app, "app.ts"), "");
  writeFileSync(join(root, "secret.txt"), "secret");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const refusal = (dir: string) => thrownBy(AppDirError, () => checkAppDirectory(dir)).message;

describe("checkAppDirectory", () => {
  it("answers the real path and allows links that stay inside, relative or absolute", () => {
    symlinkSync("../app.ts", join(app, "lib", "again.ts"));
    symlinkSync(join(app, "lib"), join(app, "lib-link"));
    symlinkSync(app, join(root, "alias"));
    expect(checkAppDirectory(join(root, "alias"))).toBe(app);
  });

  it("refuses a link that leads outside, naming it and where it leads", () => {
    symlinkSync(join(root, "secret.txt"), join(app, "lib", "deep", "data.txt"));
    expect(refusal(app)).toBe(
      `lib/deep/data.txt is a link to ${join(root, "secret.txt")}, outside the app directory; an app's links must stay inside it`,
    );
  });

  it("refuses links through .., to directories outside, and dangling ones pointing outside", () => {
    symlinkSync("../../..", join(app, "lib", "up"));
    expect(refusal(app)).toMatch(/^lib\/up is a link to .*, outside the app directory/);
    rmSync(join(app, "lib", "up"));
    symlinkSync("/root/keys.json.does-not-exist", join(app, "later"));
    expect(refusal(app)).toMatch(/^later is a link to \/root\/keys\.json\.does-not-exist, outside/);
  });

  it("refuses a system directory, and one that holds the hub's data directory", () => {
    expect(refusal("/tmp")).toBe("the app directory /tmp is a system directory");
    mkdirSync(join(app, "data"));
    expect(() => checkAppDirectory(app, [join(app, "data")])).toThrow(
      `the app directory ${app} holds the hub's data directory ${join(app, "data")}; move one of them`,
    );
    expect(checkAppDirectory(app, [join(root, "elsewhere"), join(app, "not-made-yet")])).toBe(app);
  });

  it("says when the directory itself cannot be read", () => {
    expect(refusal(join(root, "missing"))).toMatch(/cannot be read \(ENOENT\)/);
  });
});
