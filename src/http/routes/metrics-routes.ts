/** /metrics: Prometheus text format, for the operator's scraper. */
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export function registerMetricsRoutes(app: FastifyInstance, deps: { registry: Registry }) {
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", deps.registry.contentType);
    return deps.registry.metrics();
  });
}
