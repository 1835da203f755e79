/**
 * Child process of the concurrent-open test in open-store.test.ts: waits for a shared start time so that
 * several processes open the same new database file together, then prints "opened" or the error.
 * Usage: node --import tsx open-store-at.ts <sqlite path> <epoch milliseconds to start at>
 */
import { openStore } from "../open-store.js";

const [sqlitePath, startAtText] = process.argv.slice(2);
if (sqlitePath === undefined || startAtText === undefined) {
  throw new Error("usage: open-store-at.ts <sqlite path> <epoch milliseconds to start at>");
}
const delay = Number(startAtText) - Date.now();
if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
try {
  const store = await openStore({ sqlitePath });
  await store.conversations.list({ userId: "local" });
  await store.close();
  process.stdout.write("opened\n");
} catch (error) {
  process.stdout.write(`failed: ${error instanceof Error ? error.message : String(error)}\n`);
}
