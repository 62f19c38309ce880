/** curl as a browser-less client of the website endpoint: Host headers, ranges, methods. */
import { requireProgram } from "../harness.ts";

export interface CurlResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** Whether curl can run here (in CI its absence fails the test). */
export function haveCurl(): Promise<boolean> {
  return requireProgram("curl");
}

/** One request; `headers` are sent as given (`Host` included), redirects are not followed. */
export async function curl(
  url: string,
  o: { method?: string; headers?: Record<string, string> } = {},
): Promise<CurlResponse> {
  const args = ["-s", "-D", "-", "-o", "/dev/stdout", "--max-time", "30"];
  if (o.method === "HEAD") args.push("-I");
  else if (o.method) args.push("-X", o.method);
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(url);
  const out = await new Deno.Command("curl", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) throw new Error(`curl ${url}: ${new TextDecoder().decode(out.stderr)}`);
  const text = new TextDecoder().decode(out.stdout);
  const end = text.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers = new Headers();
  for (const l of lines) {
    const colon = l.indexOf(":");
    headers.append(l.slice(0, colon).trim(), l.slice(colon + 1).trim());
  }
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: o.method === "HEAD" ? "" : text.slice(end + 4),
  };
}
