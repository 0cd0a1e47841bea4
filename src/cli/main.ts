/**
 * `gatehouse <command>`: parses the command line with commander and dispatches to one file per command
 * (loaded on demand, so `gatehouse token` does not load the hub). Returns the process exit code:
 * 0 ok, 1 failure (one clear sentence on stderr), 2 usage error.
 */
import { Command, CommanderError, Option } from "commander";
import type { NewFlags } from "./new.ts";
import { CliError, EXIT_FAILURE, EXIT_USAGE, sentence, toCliError } from "./cliError.ts";
import { TEMPLATES } from "./templates.ts";

interface Io {
  env: NodeJS.ProcessEnv;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const example = (...lines: string[]): string => `\nExample:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`;

function buildProgram(
  io: Io,
  setExitCode: (code: number) => void,
  setCommand: (name: string) => void,
): Command {
  const program = new Command("gatehouse");
  program
    .description("Gatehouse: a self-hosted OAuth 2.0 integration hub for engineering apps")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
    })
    .showSuggestionAfterError()
    .addHelpText("after", example("npx gatehouse start", "npx gatehouse token --help"));

  const run =
    <A extends unknown[]>(name: string, action: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      setCommand(name);
      setExitCode(await action(...args));
    };
  /** A command whose function, loaded with its module only when it runs, takes the flags and io. */
  const onDemand = <Flags>(name: string, load: () => Promise<(flags: Flags, io: Io) => Promise<number>>) =>
    run(name, async (flags: Flags) => (await load())(flags, io));

  program
    .command("start")
    .description(
      "start the hub (what `npm start` runs); configured by environment variables (the README lists them)",
    )
    .addHelpText("after", example("GATEHOUSE_SANDBOX=true npx gatehouse start"))
    .action(
      run("start", async () => {
        const { start } = await import("./start.ts");
        return start({ env: io.env, out: io.out, err: io.err });
      }),
    );

  program
    .command("emulate")
    .description(
      "run the Bentley, Autodesk and Seequent emulators alone (ports from GATEHOUSE_EMULATOR_PORTS)",
    )
    .option(
      "--data-dir <dir>",
      "where their grants, tokens, keys and seed data persist (default: $GATEHOUSE_DATA_DIR/emulators, i.e. ./data/emulators)",
    )
    .addHelpText(
      "after",
      example(
        "GATEHOUSE_EMULATOR_PORTS=8091,8092,8093 npx gatehouse emulate",
        "npx gatehouse emulate --data-dir /tmp/my-emulators",
      ),
    )
    .action(
      run("emulate", async (flags: { dataDir?: string }) => {
        const { emulate } = await import("./emulate.ts");
        return emulate({ env: io.env, out: io.out, dataDir: flags.dataDir });
      }),
    );

  program
    .command("login")
    .description(
      "sign in as a native app (authorization code + PKCE, loopback redirect http://localhost:<port>/signin-callback) and cache the tokens",
    )
    .option("--provider <preset>", "provider preset: generic, bentley-itwin, autodesk-aps, seequent-evo")
    .option("--client-id <id>", "your app's client id, registered as a native (public) client")
    .option("--scopes <scopes>", "scopes to ask for, space- or comma-separated (default: the preset's)")
    .option(
      "--issuer <url>",
      "the authorization server's base URL, instead of the preset's (https, or http on localhost)",
    )
    .option("--port <port>", "callback port on 127.0.0.1 (must match the registered redirect URI)", "3000")
    .option("--no-browser", "print the sign-in URL instead of opening a browser")
    .option("--timeout <seconds>", "give up after this many seconds", "300")
    .option("--json", "print a JSON summary on stdout")
    .addHelpText(
      "after",
      example(
        "npx gatehouse login --provider bentley-itwin --client-id native-abc123 --scopes itwin-platform",
        "npx gatehouse login --provider bentley-itwin --client-id sandbox-native --issuer http://127.0.0.1:8091 --no-browser",
      ),
    )
    .action(onDemand("login", async () => (await import("./login.ts")).login));

  program
    .command("token")
    .description("print a valid access token on stdout (refreshing it through the cache), nothing else")
    .option("--provider <preset>", "provider preset the sign-in used")
    .option("--client-id <id>", "client id the sign-in used")
    .option("--scopes <scopes>", "scopes the sign-in asked for")
    .option("--issuer <url>", "issuer the sign-in used (when it was not the preset's)")
    .option("--min-validity <seconds>", "refresh first when the token expires sooner than this", "60")
    .addOption(
      new Option(
        "--grant <grant>",
        "authorization_code (a signed-in user) or client_credentials (a service app)",
      )
        .choices(["authorization_code", "client_credentials"])
        .default("authorization_code"),
    )
    .option("--client-secret <secret>", "service app secret (prefer the GATEHOUSE_CLIENT_SECRET variable)")
    .option("--json", "print {accessToken, tokenType, expiresAt, scopes} as JSON instead")
    .addHelpText(
      "after",
      example(
        'curl -H "Authorization: Bearer $(npx gatehouse token --provider bentley-itwin --client-id native-abc123)" https://api.bentley.com/itwins/',
        "GATEHOUSE_CLIENT_SECRET=… npx gatehouse token --grant client_credentials --provider bentley-itwin --client-id service-abc123",
      ),
    )
    .action(onDemand("token", async () => (await import("./token.ts")).token));

  program
    .command("new")
    .description("scaffold an app in a new (or empty) directory, ready for `gatehouse dev`")
    .argument("<dir>", "directory to create; its name becomes the app's name")
    .addOption(new Option("--template <template>", "what to start from").choices(TEMPLATES).default("blank"))
    .option("--json", "print {dir, name, template} as JSON")
    .addHelpText("after", example("npx gatehouse new my-itwin-app --template itwin-browser"))
    .action(
      run("new", async (dir: string, flags: NewFlags) => {
        const { newApp } = await import("./new.ts");
        return newApp(dir, flags, io);
      }),
    );

  program
    .command("dev")
    .description("the sandbox hub (emulators, demo users) with one app, reloaded when its files change")
    .argument("[appDir]", "the app's directory (default: the current directory)")
    .addHelpText("after", example("npx gatehouse dev my-itwin-app", "PORT=8081 npx gatehouse dev"))
    .action(
      run("dev", async (appDir: string | undefined) => {
        const { dev } = await import("./dev.ts");
        return dev(appDir, io);
      }),
    );

  const keys = program.command("keys").description("encryption keys of the vault");
  keys
    .command("rotate")
    .description(
      "add a new encryption key (first) and re-encrypt every stored secret and token with it, in batches, while hubs keep serving",
    )
    .option("--batch-size <rows>", "rows per transaction", "500")
    .option("--json", "print the result as JSON on stdout")
    .addHelpText(
      "after",
      example(
        "npx gatehouse keys rotate",
        "GATEHOUSE_DATA_DIR=/var/lib/gatehouse npx gatehouse keys rotate --json",
      ),
    )
    .action(onDemand("keys rotate", async () => (await import("./keys.ts")).rotateKeys));
  keys
    .command("scrub")
    .description(
      "SQLite: checkpoint the WAL and vacuum the file so no value under an old key remains in it (the end of a rotation a running hub held up)",
    )
    .option("--json", "print the result as JSON on stdout")
    .addHelpText("after", example("GATEHOUSE_DATA_DIR=/var/lib/gatehouse npx gatehouse keys scrub"))
    .action(onDemand("keys scrub", async () => (await import("./keys.ts")).scrubKeys));

  const users = program.command("users").description("hub users");
  users
    .command("add")
    .description("create a hub user (a password is generated and printed once when --password is absent)")
    .option("--email <email>", "the user's email (their sign-in name)")
    .addOption(
      new Option("--role <role>", "admin, developer or user").choices(["admin", "developer", "user"]),
    )
    .option("--password <password>", "at least 8 characters (prefer letting Gatehouse generate one)")
    .option("--json", "print {id, email, role, password?} as JSON")
    .addHelpText("after", example("npx gatehouse users add --email ada@example.com --role developer"))
    .action(onDemand("users add", async () => (await import("./users.ts")).addUser));
  users
    .command("reset-password")
    .description(
      "set a local user's password and end their sessions (a password is generated and printed once when --password is absent)",
    )
    .option("--email <email>", "the user's email")
    .option("--password <password>", "at least 8 characters (prefer letting Gatehouse generate one)")
    .option("--json", "print {id, email, password?} as JSON")
    .addHelpText("after", example("npx gatehouse users reset-password --email ada@example.com"))
    .action(onDemand("users reset-password", async () => (await import("./users.ts")).resetPassword));

  const audit = program.command("audit").description("the audit trail");
  audit
    .command("export")
    .description("write the audit trail as JSON lines on stdout, oldest first")
    .option("--since <when>", "an ISO date or time (2026-11-01, 2026-11-01T08:00:00Z) or days back (30d)")
    .option("--until <when>", "the same forms; events before it (default: now)")
    .addHelpText("after", example("npx gatehouse audit export --since 30d > audit.jsonl"))
    .action(onDemand("audit export", async () => (await import("./audit.ts")).exportAudit));

  return program;
}

export async function main(
  argv: string[],
  io: Io = { env: process.env, out: process.stdout, err: process.stderr },
): Promise<number> {
  let exitCode = 0;
  let command = "";
  const program = buildProgram(
    io,
    (code) => (exitCode = code),
    (name) => (command = name),
  );
  if (argv.length === 0) {
    io.err.write(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed the help or the usage error.
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0
        ? 0
        : EXIT_USAGE;
    }
    const error = err instanceof CliError ? err : toCliError(err);
    io.err.write(`gatehouse${command ? ` ${command}` : ""}: ${sentence(error.message)}\n`);
    return error.exitCode === EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE;
  }
}
