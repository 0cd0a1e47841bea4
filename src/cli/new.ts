/**
 * `gatehouse new <dir> --template …`: an app ready for `gatehouse dev`. The platform templates are copies
 * of the example apps (examples/<template>, TypeScript or Python) with the app renamed to the directory's
 * name; `blank` is a minimal defineApp with one field and one view. A directory that exists and is not empty is refused.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { APP_CONFIG_FILE } from "../apps/config.ts";
import { APP_NAME } from "../names.ts";
import { CliError, usageError } from "./cliError.ts";
import { TEMPLATES, type Template } from "./templates.ts";

export interface NewFlags {
  template?: string;
  json?: boolean;
}

export interface NewIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const EXAMPLES_DIR = fileURLToPath(new URL("../../examples", import.meta.url));

/** The app name a directory gives: its basename in lower case, other characters as "-". */
export function appNameFor(dir: string): string {
  return basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+/, "")
    .slice(0, 64);
}

const blankConfig = (name: string): string => `# A Gatehouse app: see the README's "Apps" section.
name = "${name}"
title = "${name}"
entry = "app.ts"
# Integrations this app uses, by name (an admin assigns them to the app):
oauth2_integrations = []
`;

const blankApp = `import { DataGroup, DataItem, DataResult, dataView, defineApp, text, textField } from "gatehouse/sdk";

export default defineApp({
  parametrization: {
    intro: text("# Hello from Gatehouse\\nEdit app.ts: \`gatehouse dev\` reloads the app when you save."),
    name: textField({ label: "Your name", default: "world" }),
  },
  views: {
    greeting: dataView("Greeting", { durationGuess: 1 }, ({ params }) => {
      const name = typeof params.name === "string" && params.name !== "" ? params.name : "world";
      return new DataResult(new DataGroup(new DataItem("Greeting", \`Hello, \${name}!\`)));
    }),
  },
});
`;

/** Sets the top-level `name = "…"` of a gatehouse.config.toml, keeping its comments and layout. */
export function renameInConfig(toml: string, name: string): string {
  const line = /^name\s*=\s*(["'])[^"'\n]*\1[^\n]*$/m;
  if (!line.test(toml)) return `name = "${name}"\n${toml}`;
  return toml.replace(line, `name = "${name}"`);
}

export async function newApp(dir: string, flags: NewFlags, io: NewIo): Promise<number> {
  const template = (flags.template ?? "blank") as Template;
  if (!TEMPLATES.includes(template)) {
    throw usageError(`--template must be one of ${TEMPLATES.join(", ")} (got "${flags.template}")`);
  }
  const target = resolve(dir);
  const name = appNameFor(target);
  if (!APP_NAME.test(name)) {
    throw usageError(
      `cannot make an app name from "${basename(target)}": use a directory name with letters, digits, - or _`,
    );
  }
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw new CliError(`${target} exists and is not a directory`);
    if (readdirSync(target).length > 0) {
      throw new CliError(`${target} is not empty: pick a new directory (nothing was written)`);
    }
  }

  if (template === "blank") {
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, APP_CONFIG_FILE), blankConfig(name));
    writeFileSync(join(target, "app.ts"), blankApp);
  } else {
    const source = join(EXAMPLES_DIR, template);
    if (!existsSync(join(source, APP_CONFIG_FILE))) {
      throw new CliError(`the ${template} template is missing from this installation (${source})`);
    }
    cpSync(source, target, {
      recursive: true,
      filter: (path) =>
        !/[/\\](node_modules|dist|\.git|__pycache__)([/\\]|$)|\.pyc$/.test(path.slice(source.length)),
    });
    const configPath = join(target, APP_CONFIG_FILE);
    writeFileSync(configPath, renameInConfig(readFileSync(configPath, "utf8"), name));
  }

  if (flags.json) io.out.write(`${JSON.stringify({ dir: target, name, template })}\n`);
  else io.out.write(`Created the app ${name} in ${target} from the ${template} template.\n`);
  io.err.write(`Next: npx gatehouse dev ${dir}\n`);
  return Promise.resolve(0);
}
