/**
 * The languages the hostile-app suites run their attacks in: one table of attacks, each tried by the
 * TypeScript app of test/fixtures/hostile/<app> and by its Python twin, <app>-py. A twin does the same thing
 * with its language's own means (Node's fs and child_process, Python's open, os.fork and subprocess) and
 * reports it the same way; what differs between the two is written here, once, so that a test reads the
 * same for both: how a refusal is named, the layers there are, what the worker adds to the environment.
 */
/** The layers a run-time attack is tried with: as deployed, and with the sandbox alone. */
export type Layers = "both layers" | "the sandbox alone";

export interface HostileLanguage {
  name: "TypeScript" | "Python";
  /** The hub's name (and the fixture directory) of attack app `base` in this language. */
  app(base: string): string;
  /**
   * The layers there are: Node's permission model runs inside the sandbox as a second layer; Python has none,
   * so as deployed a Python app has the sandbox alone.
   */
  layers: readonly Layers[];
  /** How `reader` names a read refused with `layers`. */
  refusedRead(layers: Layers): string;
  /** How `reader` names a write to its own (read-only) directory refused with `layers`. */
  refusedWrite(layers: Layers): string;
  /** The labels under which `reader`'s `read` reports its three ways of reading a file. */
  readWays: readonly string[];
  /** What the worker adds to the app's environment besides the runtime's own variables. */
  workerEnv: readonly string[];
  /** Whether the language has a way to start processes that the second layer refuses. */
  refusesSpawn: boolean;
  /** What the hub answers for a view that allocates past a heap of `heapMb`, and whether the process lives on. */
  overHeap(heapMb: number): { status: number; code: string; detail: RegExp; processLivesOn: boolean };
  /** Host processes of an app named `app` in the apps directory `appDir` mention this in their command line. */
  processMarker(app: string, appDir: string): string;
}

export const TYPESCRIPT: HostileLanguage = {
  name: "TypeScript",
  app: (base) => base,
  layers: ["both layers", "the sandbox alone"],
  // With Node's permission model a read outside is refused before the kernel is asked; without, the path is
  // not in the sandbox at all.
  refusedRead: (layers) => (layers === "both layers" ? "ERR_ACCESS_DENIED" : "ENOENT"),
  refusedWrite: (layers) => (layers === "both layers" ? "ERR_ACCESS_DENIED" : "EROFS"),
  readWays: ["readFileSync", "openRead", "promises"],
  workerEnv: ["NODE_ENV"],
  refusesSpawn: true,
  overHeap: (heapMb) => ({
    status: 502,
    code: "app_crashed",
    detail: new RegExp(`out of memory over its ${heapMb} MB heap`),
    processLivesOn: false,
  }),
  // Its bundle's directory is named after the app.
  processMarker: (app) => `gatehouse-app-${app}-`,
};

export const PYTHON: HostileLanguage = {
  name: "Python",
  app: (base) => `${base}-py`,
  layers: ["the sandbox alone"],
  refusedRead: () => "ENOENT",
  refusedWrite: () => "EROFS",
  readWays: ["open", "osOpen", "pathlib"],
  workerEnv: ["GATEHOUSE_MEMORY_MB"],
  refusesSpawn: false,
  // The worker caps its data segment (python/gatehouse/_memory.py): the allocation fails, the view with it.
  overHeap: (heapMb) => ({
    status: 500,
    code: "view_failed",
    detail: new RegExp(`ran out of memory \\(this hub gives an app process ${heapMb} MB\\)`),
    processLivesOn: true,
  }),
  // The worker's command line names the app's directory.
  processMarker: (_app, appDir) => appDir,
};

export const HOSTILE_LANGUAGES: readonly HostileLanguage[] = [TYPESCRIPT, PYTHON];

/** The fixture apps of `bases` in every language (the names startHostileHub loads). */
export const inEveryLanguage = (...bases: string[]): string[] =>
  HOSTILE_LANGUAGES.flatMap((language) => bases.map((base) => language.app(base)));
