/**
 * Child process of the concurrent-open test in open-store.test.ts: loads, prints "ready", waits for the first bytes on
 * stdin so that several processes open the same new database together, then prints "opened" or the error.
 * Usage: node --import tsx open-store-at.ts <sqlite path | postgres:// URL>
 */
import { once } from "node:events";
import { openStore } from "../open-store.js";

const [location] = process.argv.slice(2);
if (location === undefined) throw new Error("usage: open-store-at.ts <sqlite path | postgres:// URL>");
process.stdout.write("ready\n");
await once(process.stdin, "data");
try {
  const store = await openStore(
    /^postgres(ql)?:/.test(location) ? { databaseUrl: location } : { sqlitePath: location },
  );
  await store.conversations.list({ userId: "local" });
  await store.close();
  process.stdout.write("opened\n");
} catch (error) {
  process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
}
