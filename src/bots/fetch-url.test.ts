import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAddressPolicy } from "./address-policy.js";
import { fetchUrl } from "./fetch-url.js";
import { FetchUrlError } from "./fetch-url-error.js";

/** An article page as blogs serve it: navigation and footer around it, relative links, a highlighted code block. */
const ARTICLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Understanding Event Loops | Dev Notes</title></head>
<body>
  <nav><a href="/">Home</a> · <a href="/archive">Archive</a> · <a href="/about">About</a></nav>
  <main><article>
    <h1>Understanding Event Loops</h1>
    <p class="byline">By Grace Hopper</p>
    <p>An event loop waits for events and dispatches them, one at a time, to the code that handles them. Read the
      <a href="/docs/event-loop">event loop guide</a> for the details, including timers, I/O callbacks, and microtasks,
      which run before the next macrotask.</p>
    <h2>A minimal loop</h2>
    <p>The loop below polls a queue, runs each callback, and sleeps when there is nothing to do. It is small, but it
      shows the structure every real implementation shares, from browsers to Node.js, and from Python to Rust.</p>
    <div class="highlight"><pre class="language-python"><code class="language-python">while True:
    event = queue.get()
    event.callback()</code></pre></div>
    <p><img src="images/loop.png" alt="Diagram of the event loop"> The diagram shows the queue, the loop, and the
      callbacks, with arrows for each step, so that the order of operations is clear at a glance.</p>
  </article></main>
  <footer>© 2024 Dev Notes · <a href="/privacy">Privacy</a></footer>
</body></html>`;

type TestServer = { server: Server; origin: string; hits: string[] };

async function startServer(
  host: string,
  handler: (request: IncomingMessage, response: ServerResponse, origin: string) => void,
) {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    hits.push(`${request.headers.host} ${request.url}`);
    handler(request, response, `http://${host}:${(server.address() as AddressInfo).port}`);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    server,
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    hits,
  } satisfies TestServer;
}

let site: TestServer;
let loopbackSite: TestServer;
/** The test server runs on 127.0.0.2: allowed by this policy only; 127.0.0.1 and the rest stay refused. */
const testPolicy = createAddressPolicy({ allow: ["127.0.0.2"] });
const timers = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  loopbackSite = await startServer("127.0.0.1", (_request, response) => {
    response.writeHead(200, { "content-type": "text/html" });
    response.end("<p>secret internal page</p>");
  });
  site = await startServer("127.0.0.2", (request, response, origin) => {
    const url = request.url ?? "/";
    if (url === "/posts/event-loops") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(ARTICLE_HTML);
    } else if (url === "/moved") {
      response.writeHead(301, { location: "/posts/event-loops" });
      response.end();
    } else if (url === "/to-loopback") {
      response.writeHead(302, { location: `${loopbackSite.origin}/` });
      response.end();
    } else if (url === "/to-private") {
      response.writeHead(307, { location: "http://10.0.0.7/admin" });
      response.end();
    } else if (url === "/to-metadata") {
      response.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
      response.end();
    } else if (url === "/to-file") {
      response.writeHead(302, { location: "file:///etc/passwd" });
      response.end();
    } else if (url.startsWith("/loop/")) {
      response.writeHead(302, { location: `${origin}/loop/${Number(url.slice(6)) + 1}` });
      response.end();
    } else if (url === "/huge") {
      // 50 MB streamed without a Content-Length, so only counting the bytes can stop it.
      response.writeHead(200, { "content-type": "text/html" });
      const chunk = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      const write = () => {
        while (sent < 50 * 1024 * 1024 && !response.destroyed) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", write);
        }
        response.end();
      };
      write();
    } else if (url === "/huge-declared") {
      response.writeHead(200, { "content-type": "text/html", "content-length": String(50 * 1024 * 1024) });
      response.write("<p>");
    } else if (url === "/slow") {
      response.writeHead(200, { "content-type": "text/html" });
      const timer = setInterval(() => response.write("."), 200);
      timers.add(timer);
      response.on("close", () => clearInterval(timer));
    } else if (url === "/picture") {
      response.writeHead(200, { "content-type": "image/png" });
      response.end(Buffer.alloc(10));
    } else if (url === "/notes.md") {
      response.writeHead(200, { "content-type": "text/markdown" });
      response.end("# Notes\n\nSome *notes*.\n");
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("no such page");
    }
  });
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  for (const { server } of [site, loopbackSite]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function failure(promise: Promise<unknown>): Promise<FetchUrlError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(FetchUrlError);
  return error as FetchUrlError;
}

describe("fetch_url extracts an article as Markdown", () => {
  it("keeps the title, headings, the code block with its language, the link and the image, made absolute", async () => {
    const article = await fetchUrl(`${site.origin}/posts/event-loops`, { policy: testPolicy });
    expect(article.finalUrl).toBe(`${site.origin}/posts/event-loops`);
    expect(article.title).toMatch(/Understanding Event Loops/);
    expect(article.markdown).toMatch(/^# Understanding Event Loops/);
    expect(article.markdown).toContain("## A minimal loop");
    expect(article.markdown).toContain(
      "```python\nwhile True:\n    event = queue.get()\n    event.callback()\n```",
    );
    expect(article.markdown).toContain(`[event loop guide](${site.origin}/docs/event-loop)`);
    expect(article.markdown).toContain(`![Diagram of the event loop](${site.origin}/posts/images/loop.png)`);
    // The page around the article is left out.
    expect(article.markdown).not.toContain("Archive");
    expect(article.markdown).not.toContain("Privacy");
  });

  it("follows a redirect on an allowed address and reports where the article was found", async () => {
    const article = await fetchUrl(`${site.origin}/moved`, { policy: testPolicy });
    expect(article.url).toBe(`${site.origin}/moved`);
    expect(article.finalUrl).toBe(`${site.origin}/posts/event-loops`);
  });

  it("connects to the address the name resolved to, once, and still sends the name as Host", async () => {
    let lookups = 0;
    const port = new URL(site.origin).port;
    const article = await fetchUrl(`http://blog.example:${port}/posts/event-loops`, {
      policy: testPolicy,
      lookup: async (hostname) => {
        lookups++;
        expect(hostname).toBe("blog.example");
        return ["127.0.0.2"];
      },
    });
    expect(article.markdown).toContain("## A minimal loop");
    expect(lookups).toBe(1);
    expect(site.hits.at(-1)).toBe(`blog.example:${port} /posts/event-loops`);
  });

  it("passes Markdown and plain text through as they are", async () => {
    const notes = await fetchUrl(`${site.origin}/notes.md`, { policy: testPolicy });
    expect(notes).toMatchObject({ title: "Notes", markdown: "# Notes\n\nSome *notes*." });
  });
});

describe("fetch_url refuses what it must not fetch", () => {
  it("refuses 127.0.0.1 under the default policy, without sending it a request", async () => {
    const before = loopbackSite.hits.length;
    const error = await failure(fetchUrl(`${loopbackSite.origin}/`));
    expect(error.code).toBe("url_refused");
    expect(error.message).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(loopbackSite.hits.length).toBe(before);
  });

  it("refuses loopback however it is spelled: a name, decimal, hex, IPv4-mapped IPv6", async () => {
    const port = new URL(loopbackSite.origin).port;
    for (const host of ["localhost", "2130706433", "0x7f.1", "127.1", "[::ffff:127.0.0.1]", "[::1]"]) {
      const error = await failure(fetchUrl(`http://${host}:${port}/`));
      expect(error.code, host).toBe("url_refused");
      expect(error.message, host).toMatch(/loopback/);
    }
    expect(loopbackSite.hits).toEqual([]);
  });

  it("refuses private, link-local and metadata addresses before connecting", async () => {
    for (const [url, reason] of [
      ["http://10.0.0.7/", /private/],
      ["http://192.168.1.1/", /private/],
      ["http://169.254.169.254/latest/meta-data/", /metadata/],
      ["http://[fd00:ec2::254]/", /metadata/],
      ["http://100.64.0.1/", /carrier-grade NAT/],
      ["http://0.0.0.0/", /unspecified/],
    ] as const) {
      const error = await failure(fetchUrl(url));
      expect(error.code, url).toBe("url_refused");
      expect(error.message, url).toMatch(reason);
    }
  });

  it("refuses a redirect to 127.0.0.1, a private address or the metadata service", async () => {
    for (const [path, reason] of [
      ["/to-loopback", /127\.0\.0\.1 is a loopback address/],
      ["/to-private", /10\.0\.0\.7 is a private address/],
      ["/to-metadata", /metadata/],
    ] as const) {
      const error = await failure(fetchUrl(`${site.origin}${path}`, { policy: testPolicy }));
      expect(error.code, path).toBe("url_refused");
      expect(error.message, path).toMatch(reason);
    }
    expect(loopbackSite.hits).toEqual([]);
  });

  it("refuses a redirect to another scheme, and more than five redirects", async () => {
    expect((await failure(fetchUrl(`${site.origin}/to-file`, { policy: testPolicy }))).message).toMatch(
      /only http and https/,
    );
    const error = await failure(fetchUrl(`${site.origin}/loop/0`, { policy: testPolicy }));
    expect(error.message).toMatch(/redirected more than 5 times/);
    expect(site.hits.filter((hit) => hit.includes("/loop/"))).toHaveLength(6);
  });

  it("refuses URLs that are not http(s) or carry credentials", async () => {
    for (const url of [
      "file:///etc/passwd",
      "ftp://example.com/",
      "gopher://x/",
      "not a url",
      "http://user:pass@example.com/",
    ]) {
      expect((await failure(fetchUrl(url))).code, url).toBe("url_refused");
    }
  });

  it("stops reading a 50 MB body at the size limit, declared or not", async () => {
    const started = Date.now();
    const streamed = await failure(
      fetchUrl(`${site.origin}/huge`, { policy: testPolicy, maxBytes: 2 * 1024 * 1024 }),
    );
    expect(streamed.code).toBe("url_too_large");
    expect(streamed.message).toMatch(/larger than 2\.0 MB/);
    const declared = await failure(fetchUrl(`${site.origin}/huge-declared`, { policy: testPolicy }));
    expect(declared.code).toBe("url_too_large");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("gives up on a body that trickles in past the time limit", async () => {
    const started = Date.now();
    const error = await failure(fetchUrl(`${site.origin}/slow`, { policy: testPolicy, timeoutMs: 1_000 }));
    expect(error.code).toBe("url_timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("says what is wrong with an error status or a page that is not text", async () => {
    const missing = await failure(fetchUrl(`${site.origin}/nothing-here`, { policy: testPolicy }));
    expect(missing).toMatchObject({ code: "url_unreachable" });
    expect(missing.message).toMatch(/HTTP 404/);
    const picture = await failure(fetchUrl(`${site.origin}/picture`, { policy: testPolicy }));
    expect(picture).toMatchObject({ code: "url_unsupported" });
    expect(picture.message).toMatch(/image\/png/);
  });
});
