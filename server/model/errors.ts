/** What the model refuses, by kind: each front end maps a kind to its own code and status. */
export type ModelErrorKind =
  | "invalidName"
  | "aliasTaken"
  | "noSuchBucket"
  | "noSuchKey"
  | "bucketNotEmpty"
  | "badRequest"
  | "quotaExceeded";

/** A refused operation; the front ends map `kind` to their own error codes. */
export class ModelError extends Error {
  constructor(readonly kind: ModelErrorKind, message: string) {
    super(message);
  }
}
