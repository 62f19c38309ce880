/** Object tags: AWS's limits, and setting or reading the tags of a version. */
import type { Model } from "../model.ts";
import { ModelError } from "../errors.ts";
import type { TagSet } from "../tables/settings.ts";
import { type Complete, settingsTarget, updateSettings } from "./versions.ts";

export const MAX_TAGS = 10;
const MAX_KEY = 128;
const MAX_VALUE = 256;

/** Refuses tags AWS would refuse: more than 10, a key twice, over-long keys or values. */
export function checkTags(tags: Array<[string, string]>, max = MAX_TAGS): void {
  const bad = (message: string) => new ModelError("invalidTag", message);
  if (tags.length > max) throw bad(`Object tags cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const [k, v] of tags) {
    if (k.length === 0 || [...k].length > MAX_KEY) {
      throw bad(`The TagKey you have provided is invalid: a key has 1 to ${MAX_KEY} characters.`);
    }
    if ([...v].length > MAX_VALUE) {
      throw bad(
        `The TagValue you have provided is invalid: a value has at most ${MAX_VALUE} characters.`,
      );
    }
    if (seen.has(k)) throw bad(`Cannot provide multiple Tags with the same key: ${k}`);
    seen.add(k);
  }
}

/** A version's tags as a new write stores them. */
export function tagSet(tags: Array<[string, string]>, at = Date.now()): TagSet {
  checkTags(tags);
  return { tags, at };
}

/** PutObjectTagging / DeleteObjectTagging (`tags` empty): the version changed, if found. */
export async function setTags(
  model: Model,
  bucketId: string,
  key: string,
  versionId: string | undefined,
  tags: Array<[string, string]>,
): Promise<Complete | undefined> {
  const set = tagSet(tags);
  const v = await settingsTarget(model, bucketId, key, versionId);
  if (!v || v.state.data.t === "delete") return undefined;
  await updateSettings(model, bucketId, key, v, { tags: set });
  return v;
}
