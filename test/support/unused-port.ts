/** Finds a port on 127.0.0.1 that nothing listens on, for an address whose every connection is refused. */
import { createServer } from "node:net";

export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
