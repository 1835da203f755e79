import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/app-error.js";
import { loadConfig } from "./load-config.js";

function directoryWith(config?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "parley-config-"));
  if (config !== undefined) writeFileSync(path.join(dir, "parley.config.yaml"), config);
  return dir;
}

describe("the redis setting", () => {
  it("is unset by default: one server keeps its runs and limits to itself", () => {
    expect(loadConfig({ cwd: directoryWith(), env: {} }).redis).toBeUndefined();
  });

  it("comes from the file or from PARLEY_REDIS_URL, which wins", () => {
    const cwd = directoryWith("redis: redis://from-file:6379\n");
    expect(loadConfig({ cwd, env: {} }).redis).toBe("redis://from-file:6379");
    expect(loadConfig({ cwd, env: { PARLEY_REDIS_URL: "rediss://:secret@from-env:6380/2" } }).redis).toBe(
      "rediss://:secret@from-env:6380/2",
    );
  });

  it("refuses a URL that is not Redis, naming the setting and what to give", () => {
    const cwd = directoryWith();
    const load = () => loadConfig({ cwd, env: { PARLEY_REDIS_URL: "http://cache.example:6379" } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/`redis`: use a Redis URL such as redis:\/\/redis\.example:6379/);
  });
});
