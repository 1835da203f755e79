/**
 * /api/usage: replies, embeddings requests, tokens (of the input, those the prompt cache served and stored) and cost
 * per day and model, with totals, for a range of UTC days.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ParleyStore } from "../../core/parley-store.js";
import { adminOf, principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

const DAY_MS = 86_400_000;
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a day as YYYY-MM-DD")
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)), "must be a real calendar day");

const usageQuery = z.object({
  from: isoDay.optional(),
  to: isoDay.optional(),
  /** Admins may ask for everyone's usage. */
  all: z.enum(["true", "false"]).optional(),
});

export function registerUsageRoutes(app: FastifyInstance, deps: { store: ParleyStore }) {
  app.get("/api/usage", async (request) => {
    const query = parseInput(usageQuery, request.query, "query");
    // `to` is inclusive for people; the store takes a half-open range.
    const to = query.to ? Date.parse(`${query.to}T00:00:00Z`) + DAY_MS : startOfUtcDay(Date.now()) + DAY_MS;
    const from = query.from ? Date.parse(`${query.from}T00:00:00Z`) : to - 30 * DAY_MS;
    const principal = query.all === "true" ? adminOf(request) : principalOf(request);
    const days = await deps.store.usage.totals({
      from,
      to,
      ...(query.all !== "true" && { userId: principal.userId }),
    });
    const totals = days.reduce(
      (sum, day) => ({
        replies: sum.replies + day.replies,
        embeddingRequests: sum.embeddingRequests + day.embeddingRequests,
        inputTokens: sum.inputTokens + day.inputTokens,
        outputTokens: sum.outputTokens + day.outputTokens,
        cacheReadTokens: sum.cacheReadTokens + day.cacheReadTokens,
        cacheWriteTokens: sum.cacheWriteTokens + day.cacheWriteTokens,
        costUsd: Math.round((sum.costUsd + day.costUsd) * 1e9) / 1e9,
      }),
      {
        replies: 0,
        embeddingRequests: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
      },
    );
    return { from: isoDate(from), to: isoDate(to - DAY_MS), days, totals };
  });
}

function startOfUtcDay(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

function isoDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}
