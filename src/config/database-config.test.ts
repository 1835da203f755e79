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

const FROM_FILE = "postgres://parley:secret@from-file:5432/parley";
const FROM_PARLEY_ENV = "postgres://parley:secret@from-parley-env:5432/parley";
const FROM_PLATFORM_ENV = "postgresql://parley:secret@from-platform:5432/parley";

describe("the database setting", () => {
  it("is unset by default: data stays in a SQLite file in the data directory", () => {
    expect(loadConfig({ cwd: directoryWith(), env: {} }).database).toBeUndefined();
  });

  it("comes from PARLEY_DATABASE_URL over DATABASE_URL over the file", () => {
    const cwd = directoryWith(`database: ${FROM_FILE}\n`);
    expect(loadConfig({ cwd, env: {} }).database).toBe(FROM_FILE);
    expect(loadConfig({ cwd, env: { DATABASE_URL: FROM_PLATFORM_ENV } }).database).toBe(FROM_PLATFORM_ENV);
    expect(
      loadConfig({ cwd, env: { DATABASE_URL: FROM_PLATFORM_ENV, PARLEY_DATABASE_URL: FROM_PARLEY_ENV } })
        .database,
    ).toBe(FROM_PARLEY_ENV);
  });

  it("takes DATABASE_URL alone, as a hosting platform sets it for an attached PostgreSQL", () => {
    expect(loadConfig({ cwd: directoryWith(), env: { DATABASE_URL: FROM_PLATFORM_ENV } }).database).toBe(
      FROM_PLATFORM_ENV,
    );
  });

  it("refuses a URL that is not PostgreSQL, naming the setting and every place it may come from", () => {
    const load = () =>
      loadConfig({ cwd: directoryWith(), env: { DATABASE_URL: "mysql://db.example/parley" } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/`database`: use a PostgreSQL URL .*PARLEY_DATABASE_URL and DATABASE_URL unset/);
  });
});
