import { execFile } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { assertLoadableGguf } from "../src/engine/gguf-requirements.js";
import {
  createConversation,
  PARLEY_BIN,
  type ParleyProcess,
  startParley,
  temporaryDirectory,
} from "./support/parley-process.js";

const run = promisify(execFile);

function parley(args: string[], cwd = temporaryDirectory()) {
  return run(process.execPath, [PARLEY_BIN, ...args], { cwd, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

const servers: ParleyProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe("the parley command", () => {
  it("writes the tiny test model with `dev tiny-model`, a GGUF llama.cpp can load", async () => {
    const dir = temporaryDirectory();
    const result = await parley(["dev", "tiny-model", "tiny.gguf", "--loop"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Wrote the tiny test model \(looping\)/);
    const summary = await assertLoadableGguf(path.join(dir, "tiny.gguf"));
    expect(summary.architecture).toBe("llama");
  });

  it("fails `pull` offline with a clear message and leaves no partial file", async () => {
    const dir = temporaryDirectory();
    const result = await parley(["pull", "qwen3-0.6b", "--models-dir", "models"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Could not download qwen3-0\.6b: .*not reachable.*nothing was written/);
    const models = path.join(dir, "models");
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
  });

  it("refuses to `pull` a name it does not know, listing the recommended family", async () => {
    const result = await parley(["pull", "gpt-9"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Unknown model "gpt-9"\. Pull one of qwen3-0\.6b, qwen3-1\.7b, qwen3-4b/);
  });

  it("lists the models folder with `models`, flagging a file that is not a usable GGUF", async () => {
    const dir = temporaryDirectory();
    await parley(["dev", "tiny-model", "models/tiny.gguf"], dir);
    writeFileSync(path.join(dir, "models/notes.gguf"), "not a model");
    const result = await parley(["models"], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/tiny\s+0\.4 MB\s+llama/);
    expect(result.stdout).toMatch(/notes\s+0\.0 MB\s+NOT USABLE: /);
    expect(result.stdout).toMatch(/qwen3-4b\s+smart/);
  });

  it("explains a config error by key and exits without serving", async () => {
    const dir = temporaryDirectory();
    writeFileSync(path.join(dir, "parley.config.yaml"), "engine:\n  sequences: many\n");
    const result = await parley(["serve"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/`engine\.sequences`: .*Fix: give a number/);
  });

  it("serves with no model at all, saying in the log and in /api/models how to get one", async () => {
    const server = await startParley({ waitForModels: false });
    servers.push(server);
    const body = await server.json<{ models: unknown[]; hint: string }>("/api/models");
    expect(body.models).toEqual([]);
    expect(body.hint).toMatch(/parley -- pull qwen3-0\.6b/);
    expect(server.logs.join("\n")).toMatch(/No model is installed/);
    const conversationId = await createConversation(server);
    const response = await server.api(`/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ content: "hello?" }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /No model is installed/,
    );
  });

  it("serves the GGUF files `pull` left in ./models when no model is configured", async () => {
    const dir = temporaryDirectory();
    await parley(["dev", "tiny-model", "models/tiny.gguf"], dir);
    const server = await startParley({ dataDir: dir });
    servers.push(server);
    const { models } = await server.json<{ models: { id: string; ready: boolean }[] }>("/api/models");
    expect(models).toMatchObject([{ id: "tiny", ready: true }]);
  });

  it("makes a key held to some models with `keys create --models`, and `keys list` shows them", async () => {
    const dir = temporaryDirectory();
    const add = execFile(process.execPath, [PARLEY_BIN, "users", "add", "dana@example.com"], { cwd: dir });
    add.stdin?.end("dana-password\n");
    await new Promise((resolve) => add.once("exit", resolve));

    const keys = (...args: string[]) => parley(["keys", ...args, "--user", "dana@example.com"], dir);
    const limited = await keys("create", "--name", "cheap script", "--models", "cheap, auto,cheap");
    expect(limited.code).toBe(0);
    expect(limited.stdout.trim()).toMatch(/^pk_/);
    expect(limited.stderr).toMatch(/for dana@example\.com for cheap, auto only; it is shown only now/);
    expect((await keys("create", "--name", "everything")).code).toBe(0);
    const empty = await keys("create", "--models", " , ");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/--models.*one model id or more/);

    const listed = (await keys("list")).stdout.trim().split("\n");
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatch(/ {2}models: cheap,auto {2}cheap script$/);
    expect(listed[1]).toMatch(/ {2}all models {2}everything$/);
  });
});
