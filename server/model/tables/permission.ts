/** Per-key, per-bucket rights, stored on both the key and the bucket entry as Garage does. */
export interface BucketPermission {
  read: boolean;
  write: boolean;
  owner: boolean;
}

export const NO_PERMISSION: BucketPermission = { read: false, write: false, owner: false };

export function hasAny(p: BucketPermission | undefined): boolean {
  return !!p && (p.read || p.write || p.owner);
}

export function unionPermission(
  a: BucketPermission,
  b: Partial<BucketPermission>,
): BucketPermission {
  return { read: a.read || !!b.read, write: a.write || !!b.write, owner: a.owner || !!b.owner };
}

export function withoutPermission(
  a: BucketPermission,
  b: Partial<BucketPermission>,
): BucketPermission {
  return { read: a.read && !b.read, write: a.write && !b.write, owner: a.owner && !b.owner };
}
