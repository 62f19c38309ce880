/**
 * Gives the allocator's free pages back to the system every few seconds. glibc's malloc keeps
 * what it freed mapped in its heaps: a node 12 s after 20 s of 32 concurrent PUTs still held
 * 187–197 MiB, and 115–131 MiB with this (docs/scaling.md#memory). The call runs on a thread of
 * the runtime's pool, not on the event loop. Where the C library has no such function (musl,
 * macOS), nothing is done.
 */
import { log } from "./log.ts";

interface Libc {
  symbols: { malloc_trim(pad: number): Promise<number> };
  close(): void;
}

function openLibc(): Libc | undefined {
  if (Deno.build.os !== "linux") return undefined;
  try {
    return Deno.dlopen("libc.so.6", {
      malloc_trim: { parameters: ["usize"], result: "i32", nonblocking: true },
    }) as unknown as Libc;
  } catch (e) {
    log.debug("malloc_trim unavailable", { error: String(e) });
    return undefined;
  }
}

/**
 * Trims every `everyMs` until the function returned is called; it resolves once a trim under
 * way has ended. `onTrim` hears whether each trim gave memory back.
 */
export function startMallocTrim(
  everyMs: number,
  onTrim: (released: boolean) => void = () => {},
): () => Promise<void> {
  const libc = openLibc();
  if (!libc) return () => Promise.resolve();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= libc.symbols.malloc_trim(0)
      .then((r) => onTrim(r === 1))
      .finally(() => running = undefined);
  }, everyMs);
  Deno.unrefTimer(timer);
  return async () => {
    clearInterval(timer);
    await running;
    libc.close();
  };
}
