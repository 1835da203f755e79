/** Loads parley.config.yaml, environment variables and command-line flags into one validated config. */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../core/app-error.js";
import { configSchema, type ParleyConfig } from "./config-schema.js";

export const DEFAULT_CONFIG_FILE = "parley.config.yaml";

/** Values given on the command line; they win over the environment, which wins over the file. */
export type ConfigFlags = {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  model?: string;
  threads?: number;
  /** Single-user mode: no accounts (loopback only). */
  noAuth?: boolean;
};

export type LoadConfigOptions = {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
};

export type LoadedConfig = ParleyConfig & {
  /** The file the config came from, or null when Parley runs on defaults. */
  configFile: string | null;
};

export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const cwd = options.cwd ?? process.cwd();

  const configFile = findConfigFile(flags.config ?? env.PARLEY_CONFIG, cwd);
  const raw = configFile ? readConfigFile(configFile, env) : {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(
      `${configFile}: the file must hold a YAML mapping (key: value lines) at its top level.`,
    );
  }
  const merged: Record<string, unknown> = { ...raw };

  applyEnvironment(merged, env, cwd);
  applyFlags(merged, flags, cwd);

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, configFile));

  if (parsed.data.auth.mode === "single-user" && !isLoopback(parsed.data.host)) {
    throw new ConfigError(
      `Single-user mode (--no-auth) serves everyone without a password, so it is allowed only on a loopback address, not on host ${parsed.data.host}. Fix: use --host 127.0.0.1, or create an account (npm run parley -- users add you@example.com --admin) and drop --no-auth.`,
    );
  }
  const baseDir = configFile ? path.dirname(configFile) : cwd;
  return resolvePaths(parsed.data, baseDir, cwd, configFile);
}

function findConfigFile(explicit: string | undefined, cwd: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit);
    if (!existsSync(file)) {
      throw new ConfigError(
        `Config file ${file} does not exist. Fix: create it (parley.config.example.yaml shows every key) or leave out --config / PARLEY_CONFIG to run on defaults.`,
      );
    }
    return file;
  }
  const file = path.resolve(cwd, DEFAULT_CONFIG_FILE);
  return existsSync(file) ? file : null;
}

function readConfigFile(file: string, env: NodeJS.ProcessEnv): unknown {
  const document = parseDocument(readFileSync(file, "utf8"), { prettyErrors: true });
  const first = document.errors[0];
  if (first) throw new ConfigError(`${file}: the YAML is malformed: ${first.message}`);
  return interpolateEnvironment(document.toJS(), env, file, []);
}

/** Replaces `${NAME}` in string values, so secrets stay in the environment rather than in the file. */
function interpolateEnvironment(value: unknown, env: NodeJS.ProcessEnv, file: string, at: string[]): unknown {
  if (typeof value === "string") {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new ConfigError(
          `${file}: \`${at.join(".")}\` refers to the environment variable ${name}, which is not set. Fix: export ${name}=... before starting Parley, or write the value in the file.`,
        );
      }
      return found;
    });
  }
  if (Array.isArray(value))
    return value.map((item, index) => interpolateEnvironment(item, env, file, [...at, String(index)]));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolateEnvironment(item, env, file, [...at, key]),
      ]),
    );
  }
  return value;
}

function applyEnvironment(config: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string): void {
  if (env.PORT !== undefined) config.port = integerFromEnvironment("PORT", env.PORT);
  if (env.PARLEY_HOST) config.host = env.PARLEY_HOST;
  if (env.PARLEY_DATA_DIR) config.dataDir = env.PARLEY_DATA_DIR;
  // DATABASE_URL is what hosting platforms set for an attached PostgreSQL; Parley's own name wins over it.
  const databaseUrl = env.PARLEY_DATABASE_URL || env.DATABASE_URL;
  if (databaseUrl) config.database = databaseUrl;
  if (env.PARLEY_REDIS_URL) config.redis = env.PARLEY_REDIS_URL;
  if (env.PARLEY_MODELS_DIR) config.modelsDir = env.PARLEY_MODELS_DIR;
  if (env.PARLEY_THREADS !== undefined)
    setEngine(config, "threads", integerFromEnvironment("PARLEY_THREADS", env.PARLEY_THREADS));
  if (env.PARLEY_MODEL) addModelFile(config, path.resolve(cwd, env.PARLEY_MODEL));
}

function applyFlags(config: Record<string, unknown>, flags: ConfigFlags, cwd: string): void {
  if (flags.host !== undefined) config.host = flags.host;
  if (flags.port !== undefined) config.port = flags.port;
  if (flags.dataDir !== undefined) config.dataDir = flags.dataDir;
  if (flags.threads !== undefined) setEngine(config, "threads", flags.threads);
  if (flags.model !== undefined) addModelFile(config, path.resolve(cwd, flags.model));
  if (flags.noAuth) config.auth = { ...(config.auth as object | undefined), mode: "single-user" };
}

function integerFromEnvironment(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new ConfigError(
      `The environment variable ${name}=${JSON.stringify(value)} is not a whole number. Fix: set ${name} to a number such as 3000, or unset it.`,
    );
  }
  return Number(value);
}

function setEngine(config: Record<string, unknown>, key: string, value: unknown): void {
  const engine = typeof config.engine === "object" && config.engine !== null ? config.engine : {};
  config.engine = { ...engine, [key]: value };
}

/** `--model file.gguf` serves that file under an id taken from its name, ahead of the configured models. */
function addModelFile(config: Record<string, unknown>, file: string): void {
  const models = Array.isArray(config.models) ? config.models : [];
  const id = modelIdFromFile(file);
  config.models = [{ id, file }, ...models.filter((model) => (model as { id?: unknown })?.id !== id)];
}

export function modelIdFromFile(file: string): string {
  const id = path
    .basename(file)
    .replace(/\.gguf$/i, "")
    .replace(/[^A-Za-z0-9._:-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "");
  return id || "model";
}

function describeIssues(error: z.ZodError, configFile: string | null): string {
  const source = configFile ?? "the configuration (flags and environment)";
  const lines = error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    return `- \`${key}\`: ${issue.message}. ${fixFor(issue)}`;
  });
  return `${source} has ${lines.length === 1 ? "an error" : `${lines.length} errors`}:\n${lines.join("\n")}`;
}

function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `Fix: remove ${issue.keys.map((key) => `\`${key}\``).join(", ")} or check the spelling against parley.config.example.yaml.`;
    case "invalid_type":
      return `Fix: give a ${issue.expected}.`;
    case "too_small":
    case "too_big":
      return "Fix: choose a value in the allowed range.";
    case "invalid_value":
      return `Fix: use one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}.`;
    default:
      return "Fix: see parley.config.example.yaml for the expected form.";
  }
}

function resolvePaths(
  config: ParleyConfig,
  baseDir: string,
  cwd: string,
  configFile: string | null,
): LoadedConfig {
  return {
    ...config,
    configFile,
    dataDir: path.resolve(cwd, config.dataDir),
    modelsDir: path.resolve(cwd, config.modelsDir),
    // Model files named in the file are relative to it; those from flags and env are absolute already.
    models: config.models.map((model) => ({ ...model, file: path.resolve(baseDir, model.file) })),
  };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
