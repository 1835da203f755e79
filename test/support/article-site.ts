/**
 * A small web site for fetch_url tests: a technical article page on 127.0.0.2 (which a test config allows), and
 * a redirect from it to 127.0.0.1 (which stays refused).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const ARTICLE_PATH = "/posts/event-loops";

export const ARTICLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Understanding Event Loops | Dev Notes</title></head>
<body>
  <nav><a href="/">Home</a> · <a href="/archive">Archive</a></nav>
  <main><article>
    <h1>Understanding Event Loops</h1>
    <p>An event loop waits for events and dispatches them, one at a time, to the code that handles them. Read the
      <a href="/docs/event-loop">event loop guide</a> for the details, including timers, I/O callbacks, and microtasks,
      which run before the next macrotask.</p>
    <h2>A minimal loop</h2>
    <p>The loop below polls a queue, runs each callback, and sleeps when there is nothing to do. It is small, but it
      shows the structure every real implementation shares, from browsers to Node.js, and from Python to Rust.</p>
    <pre><code class="language-python">while True:
    event = queue.get()
    event.callback()</code></pre>
    <p><img src="images/loop.png" alt="Diagram of the event loop"> The diagram shows the queue, the loop, and the
      callbacks, with arrows for each step, so that the order of operations is clear at a glance.</p>
  </article></main>
  <footer>© 2024 Dev Notes</footer>
</body></html>`;

export type ArticleSite = {
  /** http://127.0.0.2:<port> */
  origin: string;
  requests: string[];
  close(): Promise<void>;
};

export async function startArticleSite(): Promise<ArticleSite> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? "");
    if (request.url === ARTICLE_PATH) {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(ARTICLE_HTML);
    } else if (request.url === "/to-loopback") {
      response.writeHead(302, { location: "http://127.0.0.1/secret" });
      response.end();
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.2:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
