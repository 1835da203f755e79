import { describe, expect, it } from "vitest";
import { configSchema } from "../config/config-schema.js";
import { modelPricing } from "./model-pricing.js";
import { remoteModels } from "./remote-models.js";

/** The catalog prices of the models a config's providers serve, by model id. */
async function pricesOf(providers: unknown[]) {
  const config = configSchema.parse({ providers });
  const served = await remoteModels(config.providers);
  return Object.fromEntries(served.map(({ info }) => [info.id, info.pricing]));
}

const model = (id: string, pricing: Record<string, number>) => ({ id, contextWindow: 8192, pricing });

describe("model prices with a prompt cache", () => {
  it("price an Anthropic model's cache reads at a tenth of its input price, its cache writes at 1.25 times, and hour-long writes at twice", async () => {
    const prices = await pricesOf([
      {
        id: "anthropic",
        type: "anthropic",
        apiKey: "key",
        models: [model("sonnet", { input: 3, output: 15 })],
      },
    ]);
    expect(prices.sonnet).toEqual({
      inputPerMillion: 3,
      outputPerMillion: 15,
      cachedInputPerMillion: 0.3,
      cacheWritePerMillion: 3.75,
      cacheWriteHourPerMillion: 6,
    });
  });

  it("price an OpenAI-compatible or local model's cached and written tokens as plain input", async () => {
    const prices = await pricesOf([
      {
        id: "fleet",
        type: "openai-compatible",
        baseURL: "http://127.0.0.1:8000/v1",
        models: [model("gpt", { input: 2.5, output: 10 })],
      },
    ]);
    expect(prices.gpt).toEqual({
      inputPerMillion: 2.5,
      outputPerMillion: 10,
      cachedInputPerMillion: 2.5,
      cacheWritePerMillion: 2.5,
      cacheWriteHourPerMillion: 2.5,
    });
    expect(modelPricing({ input: 0.5, output: 1 }, "local")).toEqual({
      inputPerMillion: 0.5,
      outputPerMillion: 1,
      cachedInputPerMillion: 0.5,
      cacheWritePerMillion: 0.5,
      cacheWriteHourPerMillion: 0.5,
    });
    // An unpriced local model stays free.
    expect(modelPricing(undefined, "local")).toEqual({
      inputPerMillion: 0,
      outputPerMillion: 0,
      cachedInputPerMillion: 0,
      cacheWritePerMillion: 0,
      cacheWriteHourPerMillion: 0,
    });
  });

  it("take the config's own cachedInput, cacheWrite and cacheWriteHour over the defaults, on any provider", async () => {
    const prices = await pricesOf([
      {
        id: "anthropic",
        type: "anthropic",
        apiKey: "key",
        models: [
          model("haiku", { input: 1, output: 5, cachedInput: 0.08, cacheWrite: 2, cacheWriteHour: 2.4 }),
        ],
      },
      {
        id: "openai",
        type: "openai-compatible",
        baseURL: "https://api.openai.com/v1",
        models: [model("gpt", { input: 2.5, output: 10, cachedInput: 1.25 })],
      },
    ]);
    expect(prices.haiku).toMatchObject({
      cachedInputPerMillion: 0.08,
      cacheWritePerMillion: 2,
      cacheWriteHourPerMillion: 2.4,
    });
    // What the config leaves out still follows the provider's default.
    expect(prices.gpt).toMatchObject({
      cachedInputPerMillion: 1.25,
      cacheWritePerMillion: 2.5,
      cacheWriteHourPerMillion: 2.5,
    });
  });

  it("are refused when negative, with the key named", () => {
    const parsed = configSchema.safeParse({
      providers: [
        {
          id: "anthropic",
          type: "anthropic",
          models: [model("sonnet", { input: 3, output: 15, cacheWrite: -1 })],
        },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["providers", 0, "models", 0, "pricing", "cacheWrite"]);
  });
});
