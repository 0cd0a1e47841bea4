/**
 * import() of a package loaded only where it is first needed (oidc-provider, esbuild, better-sqlite3): the CLI
 * is one file, so a package it imported statically would load for every command.
 *
 * The CLI runs as one script whose compiled code V8 takes from its cache (bin/cliLoad.mjs), and such a script
 * cannot import(): V8 drops what Node needs for it ("A dynamic import callback was not specified"). The loader
 * lends its own import() under this symbol; from the sources (tsx, the tests) there is none and the plain one
 * runs. ES modules stay ES modules either way (a require() of one would need Node's require(esm)).
 */
export const LOADER_IMPORT: unique symbol = Symbol.for("gatehouse.cliLoad.import");

type Importer = (specifier: string) => Promise<unknown>;

export function importPackage<Module>(specifier: string): Promise<Module> {
  const lent = (globalThis as { [LOADER_IMPORT]?: Importer })[LOADER_IMPORT];
  return (lent ? lent(specifier) : import(specifier)) as Promise<Module>;
}
