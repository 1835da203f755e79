/**
 * A small web site for fetch_url tests: a technical article page on 127.0.0.2 (which a test config allows), a long
 * one that no small context window holds at once, and a redirect to 127.0.0.1 (which stays refused).
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

export const LONG_ARTICLE_PATH = "/posts/distributed-queues";

/** The level-2 headings of the long article, in order; the third section holds LONG_ARTICLE_CODE. */
export const LONG_ARTICLE_SECTIONS = [
  "Why queues",
  "Delivery guarantees",
  "A consumer loop",
  "Backpressure",
  "Ordering and partitions",
  "Retries and dead letters",
  "Observability",
  "Operating at scale",
];

export const LONG_ARTICLE_CODE = `async def consume(queue):
    while True:
        message = await queue.receive()

        try:
            await handle(message)
        except TransientError:
            await queue.retry(message, delay=backoff(message.attempts))
        else:
            await queue.ack(message)`;

/** About 2,800 characters of prose per section: the whole article is about 23,000. */
function sectionHtml(title: string, index: number): string {
  const sentences = (topic: string, count: number) =>
    Array.from(
      { length: count },
      (_, n) =>
        `${topic} matters in practice, as step ${n + 1} of this section shows with a concrete case from a production system that handles millions of messages a day.`,
    ).join(" ");
  const paragraphs = [0, 1, 2, 3].map(
    (n) =>
      `<p>${sentences(`${title} (part ${n + 1})`, 4)} See the <a href="/docs/${index}-${n}">reference for ${title.toLowerCase()}</a>.</p>`,
  );
  const code = index === 2 ? `<pre><code class="language-python">${LONG_ARTICLE_CODE}</code></pre>` : "";
  const image =
    index === 4
      ? `<p><img src="/images/partitions.png" alt="Partitions and consumers"> ${sentences("Partitioning", 2)}</p>`
      : "";
  return `<h2>${title}</h2>${paragraphs.slice(0, 2).join("")}${code}${image}${paragraphs.slice(2).join("")}`;
}

export const LONG_ARTICLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Distributed Queues in Depth | Dev Notes</title></head>
<body>
  <nav><a href="/">Home</a> · <a href="/archive">Archive</a></nav>
  <main><article>
    <h1>Distributed Queues in Depth</h1>
    ${LONG_ARTICLE_SECTIONS.map(sectionHtml).join("\n    ")}
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
    } else if (request.url === LONG_ARTICLE_PATH) {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(LONG_ARTICLE_HTML);
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
