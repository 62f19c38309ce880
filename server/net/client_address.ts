/**
 * The client's address, as the HTTP gate saw its connection, told to the server behind the gate
 * in a header the gate puts first in every request it can follow. The value carries a secret of
 * this process, so a client sending the header itself tells nothing: only the gate's counts.
 */
import { randomHex } from "../util/ids.ts";

export const CLIENT_ADDRESS_HEADER = "x-remise-client-address";
const SECRET = randomHex(16);

/** The header line the gate inserts after a request line. */
export function clientAddressLine(hostname: string): Uint8Array {
  return new TextEncoder().encode(`${CLIENT_ADDRESS_HEADER}: ${SECRET} ${hostname}\r\n`);
}

/** The address the gate saw, or undefined when it could not tell (or no gate was in between). */
export function clientAddress(headers: { get(name: string): string | null }): string | undefined {
  const raw = headers.get(CLIENT_ADDRESS_HEADER);
  if (raw === null) return undefined;
  for (const value of raw.split(",")) {
    const [secret, addr] = value.trim().split(" ");
    if (secret === SECRET && addr) return addr;
  }
  return undefined;
}
