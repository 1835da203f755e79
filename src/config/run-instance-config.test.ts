import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/app-error.js";
import { loadConfig } from "./load-config.js";

function loadWith(config: string) {
  const cwd = mkdtempSync(path.join(tmpdir(), "parley-config-"));
  writeFileSync(path.join(cwd, "parley.config.yaml"), config);
  return loadConfig({ cwd, env: {} });
}

describe("the heartbeat settings under runs:", () => {
  it("beat every 5 s, look for dead servers' replies every 10 s, and leave the timeout to three heartbeats", () => {
    expect(loadWith("port: 4000\n").runs).toMatchObject({ heartbeatSeconds: 5, recoverySweepSeconds: 10 });
    expect(loadWith("port: 4000\n").runs.heartbeatTimeoutSeconds).toBeUndefined();
    expect(loadWith("runs:\n  heartbeatSeconds: 0.2\n  heartbeatTimeoutSeconds: 1\n").runs).toMatchObject({
      heartbeatSeconds: 0.2,
      heartbeatTimeoutSeconds: 1,
    });
  });

  it("refuse a timeout no longer than a heartbeat, naming the key and the fix", () => {
    const loading = () => loadWith("runs:\n  heartbeatSeconds: 5\n  heartbeatTimeoutSeconds: 5\n");
    expect(loading).toThrow(ConfigError);
    expect(loading).toThrow(/`runs.heartbeatTimeoutSeconds`: must be longer than heartbeatSeconds \(5\)/);
  });

  it("refuse a heartbeat so frequent it would keep the database busy", () => {
    expect(() => loadWith("runs:\n  heartbeatSeconds: 0.01\n")).toThrow(/`runs.heartbeatSeconds`/);
  });
});
