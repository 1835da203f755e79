import { describe, expect, it } from "vitest";
import { AppError } from "../core/app-error.js";
import { imageFromBase64, imageFromUrl } from "./inline-image.js";
import { JPEG_3X2, samplePng } from "./test-support/sample-images.js";

const what = "The image at `messages.0.content.0`";

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected a refusal");
}

describe("images sent inline", () => {
  it("takes a base64 data URL, with the type and size its bytes say", () => {
    const data = samplePng(4, 3).toString("base64");
    expect(imageFromUrl(`data:image/png;base64,${data}`, what)).toEqual({
      mediaType: "image/png",
      data,
      width: 4,
      height: 3,
    });
  });

  it("believes the bytes over a declared type that lies", () => {
    const data = JPEG_3X2.toString("base64");
    expect(imageFromBase64(data, what, "image/png")).toMatchObject({ mediaType: "image/jpeg", width: 3 });
    expect(imageFromUrl(`data:image/gif;name=x.gif;base64,${data}`, what).mediaType).toBe("image/jpeg");
  });

  it("refuses a web address, saying to send the image inline", () => {
    const error = refusal(() => imageFromUrl("https://example.com/cat.png", what));
    expect(error).toMatchObject({ status: 400, code: "unsupported_image_url" });
    expect(error.message).toMatch(/at `messages.0.content.0` is a web address.*data URL/);
  });

  it("refuses what is not a base64 image, naming where it was", () => {
    expect(refusal(() => imageFromUrl("data:image/png,rawbytes", what))).toMatchObject({ status: 400 });
    expect(refusal(() => imageFromBase64("not base64!", what))).toMatchObject({
      status: 400,
      message: `${what} is not valid base64.`,
    });
    const text = refusal(() => imageFromBase64(Buffer.from("hello").toString("base64"), what, "image/png"));
    expect(text).toMatchObject({ status: 415, code: "unsupported_media_type" });
    expect(text.message).toMatch(/PNG, JPEG, GIF or WebP/);
  });

  it("refuses an image over the size limit from its length, before decoding it", () => {
    const error = refusal(() => imageFromBase64("A".repeat(8 * 1024 * 1024), what));
    expect(error).toMatchObject({ status: 413, code: "file_too_large" });
  });
});
