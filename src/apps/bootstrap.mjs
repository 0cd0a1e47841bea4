// Preloaded (node --import) into every app process: TypeScript through tsx, then the hook that maps
// "gatehouse/sdk" to this package's SDK. Registered after tsx, so it runs first.
import { register } from "node:module";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./sdkResolveHook.mjs", import.meta.url);
