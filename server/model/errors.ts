/** What the model refuses, by kind: each front end maps a kind to its own code and status. */
export type ModelErrorKind =
  | "invalidName"
  | "aliasTaken"
  | "noSuchBucket"
  | "noSuchKey"
  | "bucketNotEmpty"
  | "badRequest"
  | "quotaExceeded"
  | "noSuchUpload"
  | "invalidPart"
  | "invalidPartOrder"
  | "partTooSmall"
  /** A version under retention or legal hold, or a retention change the lock forbids. */
  | "locked"
  /** A change the bucket's state forbids (Suspended versioning with object lock). */
  | "invalidBucketState"
  /** Tags over AWS's limits. */
  | "invalidTag"
  /** Another conditional write of the same key is under way. */
  | "conditionalConflict";

/** A refused operation; the front ends map `kind` to their own error codes. */
export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    /** What the refusal concerns (an upload id, a part number), for the front end's answer. */
    readonly details: Record<string, string> = {},
  ) {
    super(message);
  }
}
