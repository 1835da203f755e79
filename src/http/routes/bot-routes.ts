/**
 * /api/bots: create, list and search, read by id or slug, save (a new version), delete, the version history, and
 * the image of an image avatar.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { BotService } from "../../bots/bot-service.js";
import { BadRequestError } from "../../core/app-error.js";
import { avatarFileIdOf, type Bot, botAvatarUrl, botModelName } from "../../core/bot.js";
import { canEditBot } from "../../core/bot-access.js";
import type { Principal } from "../../core/principal.js";
import type { ModelCatalog } from "../../runs/model-catalog.js";
import { principalOf } from "../auth/request-principal.js";
import { parseInput } from "../parse-body.js";

const fields = {
  slug: z.string().min(1).max(64),
  description: z.string().max(2_000, "must be at most 2000 characters"),
  // An emoji, or the id of an image the caller uploaded (POST /api/files), which the bot service checks is theirs.
  avatar: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(200)
    .refine(
      (avatar) => avatarFileIdOf(avatar) !== undefined || avatar.length <= 32,
      "must be one emoji, or the id of an image uploaded with POST /api/files",
    ),
  instructions: z.string().max(50_000, "must be at most 50000 characters"),
  conversationStarters: z.array(z.string().trim().min(1).max(500)).max(8, "at most 8 starters"),
  model: z.string().min(1).max(200).nullable(),
  tier: z.enum(["fast", "balanced", "smart"]).nullable(),
  temperature: z.number().min(0).max(2).nullable(),
  tools: z.array(z.enum(["fetch_url"])).max(1),
  visibility: z.enum(["private", "link", "everyone"]),
};
const name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

const createBody = z
  .object({ name, ...fields })
  .partial()
  .required({ name: true })
  .strict();
const updateBody = z
  .object({ name, ...fields, expectedVersion: z.number().int().min(1) })
  .partial()
  .strict();
const listQuery = z.object({ q: z.string().max(200).optional() });
const botParams = z.object({ id: z.string().min(1).max(200) });
const versionParams = botParams.extend({ version: z.coerce.number().int().min(1) });

/**
 * An avatar is shown to everyone who may see its bot, so only their own browser keeps it (never a shared cache),
 * and briefly: a bot made private stops showing within minutes. The image's id is the ETag, so a browser asks
 * again cheaply, and the address clients are given changes with the image.
 */
const AVATAR_CACHE_CONTROL = "private, max-age=300";

export function registerBotRoutes(
  app: FastifyInstance,
  deps: { bots: BotService; catalog: ModelCatalog },
): void {
  const { bots, catalog } = deps;

  /** A default model must be one Parley serves now (or `auto`), so a typo fails at save, not at the first reply. */
  const checkModel = <Body extends { model?: string | null }>(body: Body): Body => {
    if (body.model && body.model !== "auto" && !catalog.has(body.model)) {
      const known = catalog
        .list()
        .map((model) => JSON.stringify(model.id))
        .join(", ");
      throw new BadRequestError(
        `Unknown model ${JSON.stringify(body.model)} for the bot; use "auto" or one of: ${known || "(no models)"}.`,
        { code: "unknown_model" },
      );
    }
    return body;
  };

  app.post("/api/bots", async (request, reply) => {
    const principal = principalOf(request);
    const body = checkModel(parseInput(createBody, request.body));
    const bot = await bots.create(principal, body);
    reply.status(201);
    return botView(bot, principal);
  });

  app.get("/api/bots", async (request) => {
    const principal = principalOf(request);
    const { q } = parseInput(listQuery, request.query, "query");
    const listed = await bots.list(principal, { ...(q?.trim() && { query: q.trim() }) });
    return { bots: listed.map((bot) => botView(bot, principal)) };
  });

  app.get("/api/bots/:id", async (request) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    return botView(await bots.get(principal, id), principal);
  });

  app.patch("/api/bots/:id", async (request) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    const body = checkModel(parseInput(updateBody, request.body));
    return botView(await bots.update(principal, id, body), principal);
  });

  app.delete("/api/bots/:id", async (request, reply) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    await bots.delete(principal, id);
    reply.status(204).send();
  });

  app.get("/api/bots/:id/avatar", async (request, reply) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    const image = await bots.avatarImage(principal, id);
    const etag = `"${image.fileId}"`;
    reply
      .header("cache-control", AVATAR_CACHE_CONTROL)
      .header("etag", etag)
      // The type was judged from the bytes at upload; a browser must not guess another (say, HTML) from them.
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox");
    if (request.headers["if-none-match"]?.split(/\s*,\s*/).includes(etag)) return reply.status(304).send();
    reply.header("content-type", image.mediaType);
    return reply.send(Buffer.from(image.bytes.buffer, image.bytes.byteOffset, image.bytes.byteLength));
  });

  app.get("/api/bots/:id/versions", async (request) => {
    const principal = principalOf(request);
    const { id } = parseInput(botParams, request.params, "path");
    return { versions: await bots.versions(principal, id) };
  });

  app.get("/api/bots/:id/versions/:version", async (request) => {
    const principal = principalOf(request);
    const { id, version } = parseInput(versionParams, request.params, "path");
    return bots.version(principal, id, version);
  });
}

/**
 * A bot as the caller may see it. Instructions are the bot maker's work: only those who may edit the bot read
 * them; everyone else gets what a chat with it shows (name, avatar, description, starters). `avatarUrl` is where
 * an image avatar is read (null for an emoji), so clients need not know how the avatar names an image.
 */
function botView(bot: Bot, principal: Principal) {
  const editable = canEditBot(bot, principal);
  const { instructions, ...shown } = bot;
  return {
    ...shown,
    ...(editable && { instructions }),
    avatarUrl: botAvatarUrl(bot),
    modelName: botModelName(bot.slug),
    editable,
  };
}
