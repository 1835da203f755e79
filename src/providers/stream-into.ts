/** Reads any ChatModel by handing its parts to a sink: pushed by the model itself when it can, pulled otherwise. */
import type { ChatCallOptions, ChatModel, ChatStreamSink } from "./chat-model.js";

export async function streamInto(
  model: ChatModel,
  options: ChatCallOptions,
  sink: ChatStreamSink,
): Promise<void> {
  if (model.streamTo) return model.streamTo(options, sink);
  for await (const part of model.stream(options)) {
    sink(part);
    if (part.type === "finish" || part.type === "error") return;
  }
}
