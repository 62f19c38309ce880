/** IP addresses and CIDR ranges, v4 and v6, as policy conditions on `aws:SourceIp` name them. */

export interface IpRange {
  v6: boolean;
  /** The address as an integer (32 or 128 bits). */
  base: bigint;
  bits: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p[0] === "0")) {
      return undefined;
    }
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  let tail: bigint | undefined;
  // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  if (text.includes(".")) {
    const at = text.lastIndexOf(":");
    tail = parseV4(text.slice(at + 1));
    if (tail === undefined) return undefined;
    text = text.slice(0, at + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const list = (h: string) => h === "" ? [] : h.split(":");
  const head = list(halves[0]);
  const rest = halves.length === 2 ? list(halves[1]) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...new Array(8 - total).fill("0"), ...rest];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const n = groups.reduce((acc, g) => (acc << 16n) | BigInt(`0x${g}`), 0n);
  return tail === undefined ? n : (n & ~0xffffffffn) | tail;
}

/** An address ("1.2.3.4", "::1") or a range ("10.0.0.0/8"); undefined when it is neither. */
export function parseIpRange(s: string): IpRange | undefined {
  const slash = s.indexOf("/");
  const addr = slash < 0 ? s : s.slice(0, slash);
  const v6 = addr.includes(":");
  const base = v6 ? parseV6(addr) : parseV4(addr);
  if (base === undefined) return undefined;
  const max = v6 ? 128 : 32;
  let bits = max;
  if (slash >= 0) {
    const b = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b) || Number(b) > max) return undefined;
    bits = Number(b);
  }
  return { v6, base, bits };
}

/** An address as a range of one, an IPv4-mapped IPv6 address as the IPv4 one. */
export function parseIp(s: string): IpRange | undefined {
  const r = parseIpRange(s);
  if (!r || r.bits !== (r.v6 ? 128 : 32)) return undefined;
  if (r.v6 && r.base >> 32n === 0xffffn) return { v6: false, base: r.base & 0xffffffffn, bits: 32 };
  return r;
}

export function inRange(ip: IpRange, range: IpRange): boolean {
  if (ip.v6 !== range.v6) return false;
  const shift = BigInt((range.v6 ? 128 : 32) - range.bits);
  return ip.base >> shift === range.base >> shift;
}

/** Whether a range holds every address of its family (0.0.0.0/0, ::/0). */
export function isEverywhere(range: IpRange): boolean {
  return range.bits === 0;
}
