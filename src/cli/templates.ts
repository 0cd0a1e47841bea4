/**
 * The templates of `gatehouse new`: the example apps by name (examples/<template>: TypeScript, and the
 * Python twins of the two guides), and `blank`. A module of its own so that the CLI's option list and
 * `gatehouse new` read the one list without loading either's imports.
 */
export const TEMPLATES = [
  "itwin-browser",
  "acc-hubs",
  "evo-workspaces",
  "itwin-browser-py",
  "acc-hubs-py",
  "blank",
] as const;
export type Template = (typeof TEMPLATES)[number];
