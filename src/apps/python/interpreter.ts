/**
 * The interpreter Python apps run with (GATEHOUSE_PYTHON), as the sandbox must see it. The interpreter says
 * itself what it is made of (python/gatehouse/_interpreter.py, run outside the sandbox): the path it runs as,
 * its version, the directories on its sys.path and the few files they link out to. From that come the mounts,
 * read-only: every link from that path down to the real program (a venv's bin/python is a link, and only run
 * through it does the interpreter know it is a venv), the program, the sys.path directories, a venv's
 * pyvenv.cfg. A shim (pyenv's, under a private home) is never run in the sandbox: the interpreter it starts
 * names its real path. Nothing the mounts hold may be a system directory or hold the hub's data directory.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { mountRefusal } from "../appDir.ts";
import { isInside } from "../paths.ts";
import { systemMountsCover } from "../sandbox/mounts.ts";

/** Debian's interpreter, the default where it exists (Debian's python3-requests and -httpx are its packages). */
export const DEBIAN_PYTHON = "/usr/bin/python3";
/** The oldest Python the SDK runs on (python/pyproject.toml). */
export const MINIMUM_PYTHON: readonly [number, number] = [3, 11];
const PROBE = fileURLToPath(new URL("../../../python/gatehouse/_interpreter.py", import.meta.url));
const PROBE_TIMEOUT_MS = 20_000;
const MAX_LINKS = 40;

/** The interpreter cannot run apps; the message names GATEHOUSE_PYTHON and says why. */
export class PythonInterpreterError extends Error {}

export interface PythonInterpreter {
  /** What GATEHOUSE_PYTHON said (or the default), for messages. */
  setting: string;
  /** The path the interpreter runs as (sys.executable): the command apps start with. */
  executable: string;
  /** "3.11.2". */
  version: string;
  /** Read-only binds: the program, the sys.path directories, pyvenv.cfg, linked-out files. */
  binds: string[];
  /** The links from `executable` down to the program, recreated in the sandbox. */
  links: { path: string; target: string }[];
}

const factsSchema = z.object({
  executable: z.string().min(1).refine(isAbsolute, "an absolute path"),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  path: z.array(z.string()).max(1000),
  venvConfig: z.string().nullable(),
  files: z.array(z.string()).max(100),
});
type Facts = z.infer<typeof factsSchema>;

/** GATEHOUSE_PYTHON, or the default: Debian's /usr/bin/python3 where it exists, else python3 on the PATH. */
export function pythonSetting(configured: string | null): string {
  return configured ?? (existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : "python3");
}

const named = (setting: string) => `GATEHOUSE_PYTHON=${setting}`;

/** An absolute path for `setting`: itself, or the first executable of that name on the hub's PATH. */
function locate(setting: string): string {
  if (setting.includes("/")) return resolve(setting);
  for (const dir of (process.env.PATH ?? "").split(":").filter(Boolean)) {
    const candidate = join(dir, setting);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new PythonInterpreterError(
    `${named(setting)}: no ${setting} on the hub's PATH; install Python ${MINIMUM_PYTHON.join(".")} or later (Debian: apt-get install python3) or set GATEHOUSE_PYTHON to an interpreter's path`,
  );
}

function probe(setting: string, program: string): Promise<Facts> {
  // The hub's secrets stay out: only what a shim (pyenv's) needs to find its interpreter.
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME", "LANG", "PYENV_ROOT", "PYENV_VERSION"])
    if (process.env[key]) env[key] = process.env[key];
  return new Promise((resolvePromise, reject) => {
    execFile(
      program,
      ["-I", PROBE],
      { env, timeout: PROBE_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) {
          const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : err.message;
          const said = stderr.trim().split("\n").at(-1);
          return reject(
            new PythonInterpreterError(
              `${named(setting)}: the interpreter did not run (${why.split("\n")[0]})${said ? `: ${said}` : ""}`,
            ),
          );
        }
        let facts: unknown;
        try {
          facts = JSON.parse(stdout);
        } catch {
          return reject(new PythonInterpreterError(`${named(setting)}: not a Python interpreter`));
        }
        const parsed = factsSchema.safeParse(facts);
        if (!parsed.success)
          return reject(new PythonInterpreterError(`${named(setting)}: not a Python interpreter`));
        resolvePromise(parsed.data);
      },
    );
  });
}

/** The links from `path` down to a file that is none, and that file (an error for a loop or a dead end). */
function linkChain(setting: string, path: string): { links: PythonInterpreter["links"]; program: string } {
  const links: PythonInterpreter["links"] = [];
  let current = path;
  for (let i = 0; i < MAX_LINKS; i++) {
    let isLink: boolean;
    try {
      isLink = lstatSync(current).isSymbolicLink();
    } catch {
      throw new PythonInterpreterError(`${named(setting)}: ${current} does not exist`);
    }
    if (!isLink) return { links, program: current };
    const target = readlinkSync(current);
    links.push({ path: current, target });
    current = resolve(dirname(current), target);
  }
  throw new PythonInterpreterError(`${named(setting)}: ${path} is a loop of links`);
}

/** The mounts for `facts`, refusing any that would carry a system directory or the hub's data into apps. */
function mountsOf(setting: string, facts: Facts, forbidden: readonly string[]) {
  const { links, program } = linkChain(setting, facts.executable);
  const candidates = [
    program,
    ...facts.path,
    ...(facts.venvConfig ? [facts.venvConfig] : []),
    ...facts.files,
  ].filter((path) => isAbsolute(path) && existsSync(path) && !systemMountsCover(path));
  for (const path of candidates) {
    const refusal = mountRefusal(realpathSync(path), forbidden);
    if (refusal)
      throw new PythonInterpreterError(
        `${named(setting)}: its ${path === program ? "program" : "sys.path entry"} ${refusal}; apps cannot be given it`,
      );
  }
  const binds = [...new Set(candidates)];
  // A link or bind inside another bind is shown by that bind already (and no mount point can be made there).
  const shown = (path: string) => binds.some((bind) => bind !== path && isInside(bind, path));
  return {
    binds: binds.filter((path) => !shown(path)),
    links: links.filter((link) => !systemMountsCover(link.path) && !shown(link.path)),
  };
}

const found = new Map<string, Promise<Omit<PythonInterpreter, "binds" | "links"> & { facts: Facts }>>();

/** Runs the probe once per setting (a failure is tried again next time: the admin may fix it meanwhile). */
function factsFor(setting: string) {
  let pending = found.get(setting);
  if (!pending) {
    pending = (async () => {
      const facts = await probe(setting, locate(setting));
      return { setting, executable: facts.executable, version: facts.version, facts };
    })();
    found.set(setting, pending);
    pending.catch(() => found.delete(setting));
  }
  return pending;
}

/**
 * The interpreter for GATEHOUSE_PYTHON (`configured`, null for the default), checked: it runs, it is Python
 * 3.11 or later, and its mounts hold none of `forbidden`. Throws PythonInterpreterError saying why not.
 */
export async function pythonInterpreter(
  configured: string | null,
  forbidden: readonly string[] = [],
): Promise<PythonInterpreter> {
  const setting = pythonSetting(configured);
  const { facts, ...interpreter } = await factsFor(setting);
  const [major, minor] = interpreter.version.split(".").map(Number) as [number, number];
  if (major < MINIMUM_PYTHON[0] || (major === MINIMUM_PYTHON[0] && minor < MINIMUM_PYTHON[1])) {
    throw new PythonInterpreterError(
      `${named(setting)} is Python ${interpreter.version}; Python apps need ${MINIMUM_PYTHON.join(".")} or later`,
    );
  }
  return { ...interpreter, ...mountsOf(setting, facts, forbidden) };
}
