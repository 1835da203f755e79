/** Opens the store a `parley serve` with the same config and flags would use, for commands run beside it. */
import path from "node:path";
import { type ConfigFlags, type LoadedConfig, loadConfig } from "../config/load-config.js";
import type { ParleyStore } from "../core/parley-store.js";
import { openStore, type StoreConfig } from "../store/open-store.js";

export async function openConfiguredStore(
  flags: Pick<ConfigFlags, "config" | "dataDir">,
): Promise<ParleyStore> {
  return openStore(storeConfigOf(loadConfig({ flags })));
}

/** PostgreSQL when `database` (PARLEY_DATABASE_URL) names one; else the SQLite file in the data directory. */
export function storeConfigOf(config: Pick<LoadedConfig, "database" | "dataDir">): StoreConfig {
  return config.database === undefined
    ? { sqlitePath: path.join(config.dataDir, "parley.db") }
    : { databaseUrl: config.database };
}
