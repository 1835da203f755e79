/** A JSON body parser that refuses invalid UTF-8 instead of silently replacing it, so no text is corrupted. */
import type { FastifyInstance } from "fastify";
import { BadRequestError } from "../core/app-error.js";

const decoder = new TextDecoder("utf-8", { fatal: true });

export function registerStrictJsonParser(app: FastifyInstance): void {
  // Parley's API speaks JSON only; any other body is refused with 415 rather than guessed at.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body: Buffer, done) => {
    let text: string;
    try {
      text = decoder.decode(body);
    } catch {
      done(new BadRequestError("The body is not valid UTF-8.", { code: "invalid_utf8" }), undefined);
      return;
    }
    if (text.trim() === "") {
      done(
        new BadRequestError("The body is empty; send a JSON object.", { code: "invalid_json" }),
        undefined,
      );
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new BadRequestError(`The body is not valid JSON: ${(error as Error).message}.`, {
          code: "invalid_json",
        }),
        undefined,
      );
    }
  });
}
