/** Users' uploaded files (images, for now): keeping them, handing them back to their owner, and attaching them. */
import { BadRequestError, NotFoundError } from "../core/app-error.js";
import { newId } from "../core/ids.js";
import type { Attachment } from "../core/message.js";
import type { ParleyStore, StoredFile } from "../core/parley-store.js";
import type { ChatImage } from "../providers/chat-model.js";
import { checkImage } from "./check-image.js";

/** The most files one message may carry. */
export const MAX_ATTACHMENTS = 10;

const MAX_NAME_LENGTH = 200;

export type Upload = {
  /** The name the client gave the file, if any; shown back, never used as a path. */
  name: string | undefined;
  /** The type the client declared; the bytes decide, this only improves the error message. */
  declaredType: string | undefined;
  bytes: Uint8Array;
};

export class FileService {
  readonly #store: ParleyStore;

  constructor(config: { store: ParleyStore }) {
    this.#store = config.store;
  }

  /** Checks the upload is an image Parley can show a model, and keeps it as the user's. */
  async upload(userId: string, upload: Upload): Promise<StoredFile> {
    const format = checkImage(upload.bytes, "The file", upload.declaredType);
    const file: StoredFile = {
      id: newId("file"),
      userId,
      name: cleanName(upload.name, format.mediaType),
      mediaType: format.mediaType,
      bytes: upload.bytes.length,
      width: format.width,
      height: format.height,
      createdAt: Date.now(),
    };
    await this.#store.files.create(file, upload.bytes);
    return file;
  }

  /** The file and its bytes, if it is the user's; anyone else's is "not found", so its existence is not confirmed. */
  async read(userId: string, id: string): Promise<{ file: StoredFile; bytes: Uint8Array }> {
    const file = await this.#store.files.get(id);
    const bytes = file?.userId === userId ? await this.#store.files.bytes(id) : undefined;
    if (!file || !bytes) throw new NotFoundError("File", id);
    return { file, bytes };
  }

  /**
   * The files a new message of the user's may carry, in the order given. An unknown id and another user's are
   * refused alike (400), so the message never says whether someone else's file exists.
   */
  async attachable(userId: string, ids: readonly string[]): Promise<StoredFile[]> {
    if (ids.length > MAX_ATTACHMENTS) {
      throw new BadRequestError(
        `A message may carry at most ${MAX_ATTACHMENTS} attachments; it has ${ids.length}.`,
        {
          code: "invalid_attachment",
        },
      );
    }
    const files: StoredFile[] = [];
    for (const [index, id] of ids.entries()) {
      if (ids.indexOf(id) !== index) {
        throw new BadRequestError(`\`attachments\` lists file ${JSON.stringify(id)} twice.`, {
          code: "invalid_attachment",
        });
      }
      const file = await this.#store.files.get(id);
      if (!file || file.userId !== userId) {
        throw new BadRequestError(
          `\`attachments[${index}]\`: file ${JSON.stringify(id)} was not found among your files. Upload it first with POST /api/files and attach the id it returns.`,
          { code: "invalid_attachment", details: { fileId: id } },
        );
      }
      files.push(file);
    }
    return files;
  }

  /** The images of these files as a prompt carries them: their bytes in base64. */
  async promptImages(files: readonly Attachment[]): Promise<ChatImage[]> {
    const images: ChatImage[] = [];
    for (const file of files) {
      const bytes = await this.#store.files.bytes(file.id);
      if (!bytes) throw new NotFoundError("File", file.id);
      images.push({
        mediaType: file.mediaType,
        data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64"),
        ...(file.width !== undefined && { width: file.width }),
        ...(file.height !== undefined && { height: file.height }),
      });
    }
    return images;
  }
}

/** The attachment as clients see it: without whose it is, which the route already checked. */
export function toAttachment(file: StoredFile): Attachment {
  const { userId: _userId, createdAt: _createdAt, ...attachment } = file;
  return attachment;
}

/** The last path segment, without control characters, within a length; a name from the type when none is left. */
function cleanName(name: string | undefined, mediaType: string): string {
  const base = (name ?? "").split(/[\\/]/).at(-1) ?? "";
  const clean = base
    .replace(/\p{Cc}/gu, "")
    .trim()
    .slice(0, MAX_NAME_LENGTH);
  return clean === "" ? `image.${mediaType.slice("image/".length).replace("jpeg", "jpg")}` : clean;
}
