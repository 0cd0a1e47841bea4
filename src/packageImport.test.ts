import type * as NodePath from "node:path";
import type * as SmolToml from "smol-toml";
import { afterEach, describe, expect, it } from "vitest";
import { importPackage, LOADER_IMPORT } from "./packageImport.ts";

const global = globalThis as { [LOADER_IMPORT]?: (specifier: string) => Promise<unknown> };

afterEach(() => {
  delete global[LOADER_IMPORT];
});

describe("importPackage", () => {
  it("imports the package itself, an ES module as one", async () => {
    const smol = await importPackage<typeof SmolToml>("smol-toml");
    expect(smol.parse('a = "b"')).toEqual({ a: "b" });
    const path = await importPackage<typeof NodePath>("node:path");
    expect(path.join("a", "b")).toBe("a/b");
  });

  it("goes through the import() the CLI's loader lends, when it lends one", async () => {
    const asked: string[] = [];
    global[LOADER_IMPORT] = (specifier) => {
      asked.push(specifier);
      return Promise.resolve({ lent: true });
    };
    expect(await importPackage("oidc-provider")).toEqual({ lent: true });
    expect(asked).toEqual(["oidc-provider"]);
  });
});
