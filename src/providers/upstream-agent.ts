/**
 * The HTTP client every upstream call goes through: one undici Agent for the process, so each upstream origin
 * keeps one pool of keep-alive connections however many models and endpoints point at it.
 */
import { Agent } from "undici";

export const upstreamAgent = new Agent({
  // Upstreams are streamed from many times a second; a warm connection saves a handshake per reply.
  keepAliveTimeout: 30_000,
  connect: { timeout: 10_000 },
});
