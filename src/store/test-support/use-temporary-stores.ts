/** Test support: stores on real SQLite files in a temporary directory that is removed after the test file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import type { ParleyStore } from "../../core/parley-store.js";
import { openStore } from "../open-store.js";

/**
 * Call once at the top of a test file. Returns functions that hand out fresh database paths and open stores
 * on them; every store is closed after each test (closing twice is harmless), and the directory is removed
 * after the file.
 */
export function useTemporaryStores(): {
  databasePath: () => string;
  open: (sqlitePath?: string) => Promise<ParleyStore>;
} {
  const directory = mkdtempSync(join(tmpdir(), "parley-store-"));
  const openStores = new Set<ParleyStore>();
  let count = 0;
  const databasePath = () => join(directory, `test-${++count}.db`);

  afterEach(async () => {
    for (const store of openStores) await store.close();
    openStores.clear();
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  return {
    databasePath,
    async open(sqlitePath = databasePath()) {
      const store = await openStore({ sqlitePath });
      openStores.add(store);
      return store;
    },
  };
}
