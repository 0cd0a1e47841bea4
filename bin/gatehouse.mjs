#!/usr/bin/env node
// The CLI, from a build of the TypeScript sources made again whenever one changes (bin/cliBuild.mjs) and run
// with V8's code cache (bin/cliLoad.mjs), so there is still no build step between editing the hub and running
// it. GATEHOUSE_FROM_SOURCE=1 runs the sources through tsx's loader instead.
import { builtCli } from "./cliBuild.mjs";
import { loadCli } from "./cliLoad.mjs";

const built = await builtCli();
let main;
if (built) {
  ({ main } = loadCli(built).exports);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("../src/cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
