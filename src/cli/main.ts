/**
 * `gatehouse <command>`: dispatches to one file per command. Returns the process exit code:
 * 0 ok, 1 failure (one clear sentence on stderr), 2 usage error.
 */
export async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case "start": {
      const { start } = await import("./start.ts");
      return start();
    }
    case "emulate": {
      const { emulate } = await import("./emulate.ts");
      return emulate();
    }
    default:
      process.stderr.write(`gatehouse: unknown command '${command ?? ""}'\n`);
      return 2;
  }
}
