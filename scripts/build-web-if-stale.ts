/**
 * Builds the web app into web/dist when its sources changed since the last build: `npm start` runs it first,
 * and the browser tests call it. `--force` builds anyway. Also writes .gz and .br copies for the server to send.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlibConstants } from "node:zlib";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const WEB_DIR = path.join(REPO_ROOT, "web");
export const WEB_DIST_DIR = path.join(WEB_DIR, "dist");
const STAMP_FILE = path.join(WEB_DIST_DIR, ".source-hash");
const LOCK_DIR = path.join(WEB_DIR, ".build-lock");
const LOCK_STALE_MS = 120_000;

/** What else decides the built output: the versions of the packages bundled into it. */
const BUNDLED_PACKAGES = [
  "vite",
  "@vitejs/plugin-react",
  "react",
  "react-dom",
  "marked",
  "dompurify",
  "highlight.js",
  "eventsource-parser",
];

const COMPRESSIBLE = new Set([".js", ".css", ".html", ".svg", ".json"]);
const COMPRESS_ABOVE_BYTES = 1024;

/** A hash of every source file of the web app and of the bundled packages' versions. */
export function webSourceHash(): string {
  const hash = createHash("sha256");
  for (const file of listFiles(
    WEB_DIR,
    (name) => name !== "dist" && name !== "node_modules" && !name.startsWith("."),
  )) {
    hash.update(path.relative(WEB_DIR, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  for (const name of BUNDLED_PACKAGES) {
    const manifest = path.join(REPO_ROOT, "node_modules", name, "package.json");
    const version = existsSync(manifest)
      ? (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version
      : "-";
    hash.update(`${name}@${version}\0`);
  }
  return hash.digest("hex");
}

export function isWebBuildStale(): boolean {
  if (!existsSync(path.join(WEB_DIST_DIR, "index.html")) || !existsSync(STAMP_FILE)) return true;
  return readFileSync(STAMP_FILE, "utf8").trim() !== webSourceHash();
}

export type WebBuildResult = { built: boolean; chatPageJavaScriptGzipBytes: number };

/** Builds when stale (or forced); one build at a time across processes, and a waiting one finds it fresh. */
export async function buildWebIfStale(options: { force?: boolean } = {}): Promise<WebBuildResult> {
  await acquireLock();
  try {
    if (!options.force && !isWebBuildStale()) {
      return { built: false, chatPageJavaScriptGzipBytes: chatPageJavaScriptGzipBytes() };
    }
    const hash = webSourceHash();
    const { build } = await import("vite");
    // A test runner sets NODE_ENV=test, which would make React's development build.
    process.env.NODE_ENV = "production";
    await build({
      root: WEB_DIR,
      configFile: path.join(WEB_DIR, "vite.config.ts"),
      mode: "production",
      logLevel: "warn",
    });
    compressOutput();
    writeFileSync(STAMP_FILE, `${hash}\n`);
    return { built: true, chatPageJavaScriptGzipBytes: chatPageJavaScriptGzipBytes() };
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** The JavaScript the chat page loads before it can show anything (index.html's scripts and preloads), gzipped. */
export function chatPageJavaScriptGzipBytes(): number {
  const html = readFileSync(path.join(WEB_DIST_DIR, "index.html"), "utf8");
  const scripts = new Set(
    [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((match) => match[1] as string),
  );
  let total = 0;
  for (const script of scripts)
    total += gzipSync(readFileSync(path.join(WEB_DIST_DIR, script)), { level: 9 }).length;
  return total;
}

function compressOutput(): void {
  for (const file of listFiles(WEB_DIST_DIR, () => true)) {
    if (!COMPRESSIBLE.has(path.extname(file))) continue;
    const content = readFileSync(file);
    if (content.length < COMPRESS_ABOVE_BYTES) continue;
    writeFileSync(`${file}.gz`, gzipSync(content, { level: 9 }));
    writeFileSync(
      `${file}.br`,
      brotliCompressSync(content, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
  }
}

function listFiles(directory: string, include: (name: string) => boolean): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!include(entry.name)) continue;
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(full, include));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // A build that crashed leaves its lock behind; no build takes minutes.
    try {
      if (Date.now() - statSync(LOCK_DIR).mtimeMs > LOCK_STALE_MS)
        rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch {
      // The other build just finished and removed it.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes("--force");
  try {
    const result = await buildWebIfStale({ force });
    const size = `${(result.chatPageJavaScriptGzipBytes / 1024).toFixed(1)} KB gzip of JavaScript on the chat page`;
    console.log(result.built ? `web app built into web/dist (${size})` : `web app is up to date (${size})`);
  } catch (error) {
    const missingVite = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND";
    console.error(
      missingVite
        ? "Cannot build the web app: its build tools are not installed (run `npm install` without --omit=dev). The API still works."
        : `Building the web app failed: ${(error as Error).stack ?? error}`,
    );
    // Serve anyway: the API works without the web app, and the server says how to build it.
    process.exitCode = force ? 1 : 0;
  }
}
