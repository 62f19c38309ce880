/** The "public" mark on a bucket anyone may use without a key, wherever the bucket is shown. */
import { href } from "./router.ts";

export function PublicBadge({ bucketId }: { bucketId: string }) {
  return (
    <a
      class="badge warn"
      href={href({ screen: "access", id: bucketId })}
      title="Anyone, without a key, can read or write in this bucket: see its access settings"
    >
      public
    </a>
  );
}
