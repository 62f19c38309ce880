/**
 * nginx as the reference server: a foreground child with a generated config in a temp
 * folder, one worker, listening on a free loopback port. `/files/` serves the bench's files
 * (sendfile on); `/dav/` accepts WebDAV PUTs of any size.
 */
import { freePort, hasProgram, sleep, spawn } from "./util.ts";

export interface Nginx {
  /** http://127.0.0.1:port */
  url: string;
  /** The worker that serves requests (its memory is the reference for the server's). */
  workerPid(): Promise<number>;
  stop(): Promise<void>;
}

function config(dir: string, filesDir: string, davDir: string, port: number): string {
  return `
daemon off;
worker_processes 1;
${Deno.uid() === 0 ? "user root;" : ""}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /files/ { alias ${filesDir}/; }
    location /dav/ {
      alias ${davDir}/;
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_temp_path ${dir}/dav_body;
    }
  }
}
`;
}

/** Starts nginx, or returns null (with a message) when it is not installed. */
export async function startNginx(
  dir: string,
  filesDir: string,
  davDir: string,
): Promise<Nginx | null> {
  if (!await hasProgram("nginx")) return null;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.mkdir(davDir, { recursive: true });
  const port = freePort();
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, config(dir, filesDir, davDir, port));
  const child = spawn("nginx", ["-e", `${dir}/error.log`, "-p", dir, "-c", conf], {
    stdout: "null",
    stderr: "null",
  });
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited || Date.now() > deadline) {
      const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
      throw new Error(`nginx did not start:\n${log}`);
    }
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      await sleep(20);
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async workerPid() {
      const kids = await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`);
      const pid = Number(kids.trim().split(/\s+/)[0]);
      if (!pid) throw new Error("nginx has no worker process");
      return pid;
    },
    async stop() {
      if (!exited) child.kill("SIGTERM");
      await child.status;
    },
  };
}
