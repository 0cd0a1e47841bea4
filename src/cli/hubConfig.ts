/**
 * The hub's configuration and database for the commands that work on a hub's data (`keys rotate`,
 * `users add`): the same environment variables as `gatehouse start` (README, "The sandbox").
 */
import { ConfigError, loadConfig, type HubConfig } from "../config/index.ts";
import { openDatabase, type Store } from "../db/index.ts";
import { GatehouseError } from "../errors.ts";
import { CliError } from "./cliError.ts";

export function hubConfig(env: NodeJS.ProcessEnv): HubConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, 1, "invalid_config");
    throw err;
  }
}

/** Opens the hub's database (running its migrations, as the hub would). */
export async function openHubDatabase(config: HubConfig): Promise<Store> {
  try {
    return await openDatabase(config.databaseUrl);
  } catch (err) {
    const reason = err instanceof GatehouseError || err instanceof Error ? err.message : String(err);
    throw new CliError(
      `could not open the database (GATEHOUSE_DATABASE_URL): ${reason}`,
      1,
      "database_unavailable",
    );
  }
}
