// `gatehouse dev` as a real process with the app page open in Chromium: saving the app's entry restarts the
// app, and the open page refreshes itself and says "Reloaded" — the new view on success, the load error on a
// broken save — without the developer pressing reload. Once for a TypeScript app, once for a Python one.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureFreshWebBuild,
  hubProblems,
  launchChromium,
  screenshot,
  signInThroughUi,
  watchConsole,
} from "../helpers/chromium.ts";
import { runCli, startDev, type CliRun } from "../helpers/cliProcess.ts";
import { freePort } from "../helpers/hubProcesses.ts";
import { useTempDir } from "../helpers/tempDir.ts";

const tmp = useTempDir("gh-ui-dev-");

/** A Python app saying hello, as a developer would start one. */
const PYTHON_HELLO = `import gatehouse as vkt


class Parametrization(vkt.Parametrization):
    name = vkt.TextField("Your name", default="world")


class Controller(vkt.Controller):
    parametrization = Parametrization

    @vkt.DataView("Greeting", duration_guess=1)
    def greeting(self, params, **kwargs):
        return vkt.DataResult(vkt.DataGroup(vkt.DataItem("Greeting", f"Hello, {params.name}!")))
`;

interface DevApp {
  language: string;
  name: string;
  entry: string;
  /** Makes the app's directory. */
  create(dir: string): Promise<void>;
  greet(text: string, greeting: string): string;
  broken: string;
}

const DEV_APPS: DevApp[] = [
  {
    language: "TypeScript",
    name: "hello-dev",
    entry: "app.ts",
    async create(dir) {
      expect((await runCli(["new", dir, "--template", "blank"])).code).toBe(0);
    },
    greet: (text, greeting) => text.replace("`Hello, ${name}!`", `\`${greeting}, \${name}!\``),
    broken: "\nconst broken = ;\n",
  },
  {
    language: "Python",
    name: "hello-dev-py",
    entry: "app.py",
    async create(dir) {
      mkdirSync(dir);
      writeFileSync(join(dir, "gatehouse.config.toml"), 'name = "hello-dev-py"\nentry = "app.py"\n');
      writeFileSync(join(dir, "app.py"), PYTHON_HELLO);
    },
    greet: (text, greeting) => text.replace('f"Hello, {params.name}!"', `f"${greeting}, {params.name}!"`),
    broken: "\ndef broken(:\n",
  },
];

for (const app of DEV_APPS) {
  describe(`gatehouse dev: the open app page follows the app (${app.language})`, () => {
    let browser: Browser;
    let run: CliRun;
    let hubUrl: string;
    let appFile: string;
    beforeAll(async () => {
      await ensureFreshWebBuild();
      const dir = join(tmp(), app.name);
      await app.create(dir);
      appFile = join(dir, app.entry);
      const port = await freePort();
      hubUrl = `http://localhost:${port}`;
      run = startDev(dir, port, join(tmp(), `config-${app.name}`));
      await run.waitForStdout(new RegExp(`Developing ${app.name} `), 60_000);
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      if (run) {
        run.child.kill("SIGTERM");
        expect(await run.exited).toBe(0);
      }
    });

    it("refreshes itself after a save, and shows a broken save's error until it is fixed", async () => {
      const context = await browser.newContext({ baseURL: hubUrl, viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      const problems = watchConsole(context);
      const page = await context.newPage();
      const shot = (step: string) => screenshot(page, `dev-reload-${app.language.toLowerCase()}-${step}`);
      try {
        await signInThroughUi(page, "alice@example.com", "sandbox");
        await page.goto(`/apps/${app.name}`);
        await page.getByText("Hello, world!").waitFor();
        await shot("1-before");

        const original = readFileSync(appFile, "utf8");
        const edited = app.greet(original, "Good morning");
        expect(edited).not.toBe(original);
        writeFileSync(appFile, edited);
        await page.getByText(/^Reloaded at .*: the app changed on disk\.$/).waitFor();
        await page.getByText("Good morning, world!").waitFor();
        expect(await page.getByText("Hello, world!").count()).toBe(0);
        await shot("2-reloaded");

        writeFileSync(appFile, `${original}${app.broken}`);
        await page.getByText(/^Reloaded at .*: the saved app does not load\.$/).waitFor();
        await page
          .getByText(new RegExp(`This app could not be loaded: .*${app.entry.replace(".", "\\.")}:\\d+`))
          .waitFor();
        await shot("3-broken");

        writeFileSync(appFile, original);
        await page.getByText(/^Reloaded at .*: the app changed on disk\.$/).waitFor();
        await page.getByText("Hello, world!").waitFor();
        // A view the broken app could not answer is not a console error of the page itself.
        expect(hubProblems(problems, hubUrl).filter((p) => !p.url.includes("/views/"))).toEqual([]);
      } finally {
        await context.close();
      }
    });
  });
}
