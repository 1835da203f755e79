/** Opens the store a `parley serve` with the same config and flags would use, for commands run beside it. */
import path from "node:path";
import { type ConfigFlags, loadConfig } from "../config/load-config.js";
import type { ParleyStore } from "../core/parley-store.js";
import { openStore } from "../store/open-store.js";

export async function openConfiguredStore(
  flags: Pick<ConfigFlags, "config" | "dataDir">,
): Promise<ParleyStore> {
  const config = loadConfig({ flags });
  return openStore({ sqlitePath: path.join(config.dataDir, "parley.db") });
}
