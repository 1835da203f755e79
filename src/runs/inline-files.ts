/** The images a message sent on a compatible API carried, as files of the user's, so the stored exchange keeps them. */
import { newId } from "../core/ids.js";
import type { StoredFile } from "../core/parley-store.js";
import type { ChatPromptMessage } from "../providers/chat-model.js";

export function inlineFiles(
  userId: string,
  message: ChatPromptMessage,
  now: number,
): { file: StoredFile; bytes: Uint8Array }[] {
  return (message.images ?? []).map((image, index) => {
    const bytes = Buffer.from(image.data, "base64");
    const file: StoredFile = {
      id: newId("file"),
      userId,
      name: `image-${index + 1}.${image.mediaType.slice("image/".length).replace("jpeg", "jpg")}`,
      mediaType: image.mediaType,
      bytes: bytes.length,
      ...(image.width !== undefined && { width: image.width }),
      ...(image.height !== undefined && { height: image.height }),
      createdAt: now,
    };
    return { file, bytes };
  });
}
