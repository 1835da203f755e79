/** /api/runs: follow a run from any event (resume) and stop it. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { BadRequestError } from "../../core/app-error.js";
import type { RunService } from "../../runs/run-service.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";
import { streamRunEvents } from "../stream-run-events.js";

const runParams = z.object({ runId: z.string().min(1).max(200) });
const eventsQuery = z.object({ after: z.string().optional() });

export function registerRunRoutes(
  app: FastifyInstance,
  deps: { runs: RunService; pingIntervalMs: number },
): void {
  const { runs, pingIntervalMs } = deps;

  app.get("/api/runs/:runId/events", async (request, reply) => {
    const { runId } = parseInput(runParams, request.params, "path");
    const { after } = parseInput(eventsQuery, request.query, "query");
    const header = request.headers["last-event-id"];
    const afterId = parseEventId(typeof header === "string" ? header : after);
    const closed = new AbortController();
    reply.raw.on("close", () => closed.abort());
    const events = await runs.readEvents(runId, afterId, principalOf(request).userId, closed.signal);
    if (events === null) return reply.status(204).send();
    await streamRunEvents(reply, () => events, pingIntervalMs);
    return reply;
  });

  app.get("/api/runs/:runId", async (request) => {
    const { runId } = parseInput(runParams, request.params, "path");
    return runs.getRun(runId, principalOf(request).userId);
  });

  app.post("/api/runs/:runId/stop", async (request) => {
    const { runId } = parseInput(runParams, request.params, "path");
    return runs.stop(runId, principalOf(request).userId);
  });
}

function parseEventId(value: string | undefined): number {
  if (value === undefined || value === "") return 0;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new BadRequestError(
      `Last-Event-ID (or ?after=) must be a whole number of an event, not ${JSON.stringify(value)}.`,
      {
        code: "invalid_last_event_id",
      },
    );
  }
  return Number(value.trim());
}
