/**
 * The hub's JSON API as its clients read it: response shapes, and the few plain lists both sides name
 * (audit actions, token scopes) — no logic, importing nothing outside this folder. The server's routes build these (their serialisers are typed with them) and the web
 * UI reads them; `/api/openapi.json` describes the same shapes from the routes' JSON schemas.
 */
export type * from "./account.ts";
export type * from "./apps.ts";
export type * from "./identity.ts";
export type * from "./integrations.ts";
export type * from "./sandbox.ts";
