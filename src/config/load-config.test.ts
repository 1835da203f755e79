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

function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("serves on 127.0.0.1:3000 with data in ./data when there is no config at all", () => {
    const cwd = directoryWith();
    const config = loadConfig({ cwd, env: {} });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 3000,
      dataDir: path.join(cwd, "data"),
      models: [],
    });
    expect(config.configFile).toBeNull();
  });

  it("reads parley.config.yaml from the working directory and resolves model files against it", () => {
    const cwd = directoryWith(
      "port: 4000\nmodels:\n  - id: small\n    file: models/small.gguf\n    tier: balanced\n",
    );
    const config = loadConfig({ cwd, env: {} });
    expect(config.port).toBe(4000);
    expect(config.models).toEqual([
      {
        id: "small",
        file: path.join(cwd, "models/small.gguf"),
        tier: "balanced",
        pricing: { input: 0, output: 0 },
        fallbacks: [],
      },
    ]);
  });

  it("lets the environment override the file and flags override the environment", () => {
    const cwd = directoryWith("port: 4000\nhost: 0.0.0.0\n");
    expect(loadConfig({ cwd, env: { PORT: "5000" } }).port).toBe(5000);
    expect(loadConfig({ cwd, env: { PORT: "5000" }, flags: { port: 6000, host: "::1" } })).toMatchObject({
      port: 6000,
      host: "::1",
    });
  });

  it("serves the file named by --model or PARLEY_MODEL under an id from its name, first in the list", () => {
    const cwd = directoryWith("models:\n  - id: other\n    file: other.gguf\n");
    const config = loadConfig({ cwd, env: { PARLEY_MODEL: "weights/Qwen3 0.6B.gguf" } });
    expect(config.models.map((model) => [model.id, model.file])).toEqual([
      ["Qwen3-0.6B", path.join(cwd, "weights/Qwen3 0.6B.gguf")],
      ["other", path.join(cwd, "other.gguf")],
    ]);
  });

  it("fills $-braced names from the environment and names the key when the variable is missing", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: this is the config file's own ${NAME} syntax.
    const cwd = directoryWith("dataDir: ${PARLEY_TEST_DIR}/data\n");
    expect(loadConfig({ cwd, env: { PARLEY_TEST_DIR: "/srv/parley" } }).dataDir).toBe("/srv/parley/data");
    expect(configError(() => loadConfig({ cwd, env: {} }))).toMatch(
      /`dataDir` refers to the environment variable PARLEY_TEST_DIR, which is not set/,
    );
  });

  it("names the key and the fix for a wrong type, an unknown key and a bad enum value", () => {
    const cwd = directoryWith(
      "port: eighty\nprot: 1\nmodels:\n  - id: m\n    file: m.gguf\n    tier: huge\n",
    );
    const message = configError(() => loadConfig({ cwd, env: {} }));
    expect(message).toMatch(/`port`: .*Fix: give a number/);
    expect(message).toMatch(/Fix: remove `prot`/);
    expect(message).toMatch(/`models.0.tier`: .*Fix: use one of "fast", "balanced", "smart"/);
  });

  it("takes a trusted proxy as true, a number of hops or a list of addresses, and names the key otherwise", () => {
    for (const [value, expected] of [
      ["true", true],
      ["2", 2],
      ["[10.0.0.1, 10.0.0.0/8]", ["10.0.0.1", "10.0.0.0/8"]],
    ] as const) {
      const cwd = directoryWith(`http:\n  trustProxy: ${value}\n`);
      expect(loadConfig({ cwd, env: {} }).http.trustProxy).toEqual(expected);
    }
    expect(loadConfig({ cwd: directoryWith(), env: {} }).http.trustProxy).toBe(false);
    for (const value of ["yes", "0", "[]"]) {
      const cwd = directoryWith(`http:\n  trustProxy: ${value}\n`);
      expect(configError(() => loadConfig({ cwd, env: {} }))).toMatch(/`http.trustProxy`/);
    }
  });

  it("explains malformed YAML, a missing --config file and a PORT that is not a number", () => {
    expect(configError(() => loadConfig({ cwd: directoryWith("port: [1,\n"), env: {} }))).toMatch(
      /YAML is malformed/,
    );
    expect(
      configError(() => loadConfig({ cwd: directoryWith(), env: {}, flags: { config: "nope.yaml" } })),
    ).toMatch(/nope\.yaml does not exist\. Fix:/);
    expect(configError(() => loadConfig({ cwd: directoryWith(), env: { PORT: "80a" } }))).toMatch(
      /PORT="80a" is not a whole number/,
    );
  });
});

describe("loadConfig for remote providers", () => {
  const provider = (body: string) =>
    directoryWith(`providers:\n  - id: fleet\n    type: openai-compatible\n${body}`);

  it("reads an OpenAI-compatible provider with its key from the environment and its models' prices", () => {
    const cwd = provider(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${NAME} syntax.
      "    baseURL: http://127.0.0.1:8000/v1\n    apiKey: ${FLEET_KEY}\n    models:\n      - id: big\n        upstreamModel: org/big-model\n        tier: smart\n        contextWindow: 32768\n        pricing: {input: 3, output: 15}\n",
    );
    const config = loadConfig({ cwd, env: { FLEET_KEY: "secret" } });
    expect(config.providers[0]).toMatchObject({
      type: "openai-compatible",
      apiKey: "secret",
      models: [
        { id: "big", upstreamModel: "org/big-model", tier: "smart", pricing: { input: 3, output: 15 } },
      ],
    });
  });

  it("asks for exactly one of baseURL and endpoints", () => {
    const both = provider(
      "    baseURL: http://a/v1\n    endpoints: [http://b/v1]\n    models:\n      - id: m\n        contextWindow: 4096\n",
    );
    expect(configError(() => loadConfig({ cwd: both, env: {} }))).toMatch(/give either baseURL or endpoints/);
  });

  it("refuses a model id used twice and a fallback that names no model", () => {
    const cwd = directoryWith(
      "models:\n  - id: same\n    file: a.gguf\nproviders:\n  - id: fleet\n    type: openai-compatible\n    baseURL: http://a/v1\n    models:\n      - id: same\n        contextWindow: 4096\n        fallbacks: [ghost]\n",
    );
    const message = configError(() => loadConfig({ cwd, env: {} }));
    expect(message).toMatch(/`providers.0.models.0.id`: the id "same" is used twice/);
    expect(message).toMatch(/`providers.0.models.0.fallbacks.0`: no model has the id "ghost"/);
  });
});

describe("parley.config.example.yaml", () => {
  it("is a valid config as shipped, so copying it never starts with an error", () => {
    const example = path.resolve(import.meta.dirname, "../../parley.config.example.yaml");
    const config = loadConfig({ cwd: directoryWith(), env: {}, flags: { config: example } });
    expect(config.models.map((model) => model.id)).toEqual(["qwen3-0.6b"]);
    expect(config.auth.mode).toBe("accounts");
  });
});
