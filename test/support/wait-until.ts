/** Waits for something a server does in the background, such as embedding an upload or killing its engines. */

/**
 * Checks `condition` every 50 ms until it holds; after `timeoutMs`, throws saying what was awaited, with the last
 * lines of `logs` (a server's) when given, which usually tell why.
 */
export async function waitUntil(
  condition: () => boolean,
  options: { timeoutMs: number; what: string; logs?: readonly string[] },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const logs = options.logs ? `:\n${options.logs.slice(-20).join("\n")}` : "";
      throw new Error(`${options.what}: not within ${options.timeoutMs} ms${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
