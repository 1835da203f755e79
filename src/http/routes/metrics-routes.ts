/** /metrics: Prometheus text format, for the operator's scraper. */
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import { adminOf } from "../auth/request-principal.js";

export function registerMetricsRoutes(app: FastifyInstance, deps: { registry: Registry }) {
  app.get("/metrics", async (request, reply) => {
    // Operators scrape with an admin's API key; per-model cost and traffic are not for every user.
    adminOf(request);
    reply.header("content-type", deps.registry.contentType);
    return deps.registry.metrics();
  });
}
