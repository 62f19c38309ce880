/** Object key rules. */
import { utf8Length } from "../util/utf8.ts";
import { S3Error } from "./error.ts";

export const MAX_KEY_BYTES = 1024;

export function validateKey(key: string): void {
  if (key.length === 0) throw new S3Error("InvalidArgument", "Object keys must not be empty.");
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new S3Error("KeyTooLongError", "Your key is too long", {
      MaxSizeAllowed: String(MAX_KEY_BYTES),
      Size: String(bytes),
    });
  }
}
