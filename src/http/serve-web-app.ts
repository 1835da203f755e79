/** Serves the built web app at `/`: files from its dist folder, and index.html for every other page address. */
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

export type WebAppConfig = { distDir: string };

/** Paths that belong to the APIs: an unknown one is a JSON 404, never the app's page. */
const API_PATH = /^\/(api|v1)(\/|$)|^\/(healthz|metrics)$/;

// Replies are model output shown as Markdown; should anything slip past the sanitizer, nothing inline may run.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  // blob: lets a picked image show at once, from the browser's own copy, while it uploads.
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NOT_BUILT_PAGE = `<!doctype html><meta charset="utf-8"><title>Parley</title>
<p>The web app has not been built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it), then reload.</p>
<p>The API is served at <code>/api</code>.</p>`;

export function registerWebApp(app: FastifyInstance, config: WebAppConfig): void {
  if (!existsSync(path.join(config.distDir, "index.html"))) {
    app.get("/", (_request, reply) =>
      reply.status(503).type("text/html; charset=utf-8").send(NOT_BUILT_PAGE),
    );
    return;
  }
  const root = path.resolve(config.distDir);
  const assetsDir = `${path.sep}assets${path.sep}`;
  app.register(fastifyStatic, {
    root,
    // Only reply.sendFile: the route below decides between a file, the app's page and a 404.
    serve: false,
    index: false,
    preCompressed: true,
    setHeaders(reply, filePath) {
      reply.header("x-content-type-options", "nosniff");
      // Hashed names change with their content, so those files may be cached for good; the rest is revalidated.
      reply.header(
        "cache-control",
        filePath.includes(assetsDir) ? "public, max-age=31536000, immutable" : "no-cache",
      );
      if (filePath.endsWith(".html")) reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    },
  });
  app.get("/*", (request, reply) => {
    const pathname = decodedPathname(request.url);
    if (pathname === null || API_PATH.test(pathname)) return reply.callNotFound();
    // Looked up per request, so a rebuild while the server runs is served at once.
    const file = path.resolve(root, `.${pathname}`);
    if (file.startsWith(`${root}${path.sep}`) && isFile(file))
      return reply.sendFile(path.relative(root, file));
    // A missing script or image gets a 404, not a page that the browser would fail to run as a script.
    if (path.extname(pathname) !== "") return reply.callNotFound();
    return reply.sendFile("index.html");
  });
}

function decodedPathname(url: string): string | null {
  try {
    return decodeURIComponent(url.split("?")[0] ?? "/");
  } catch {
    return null;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
