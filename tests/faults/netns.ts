/**
 * A network lab with real partitions (root only). One Linux bridge in the root namespace
 * (`rmz-br<id>`, 10.213.<net>.254/24) and, per node, a network namespace `rmz-<id>-<i>` joined
 * to it by a veth pair, its end in the namespace at 10.213.<net>.<i+1>/24 with `lo` up. A node
 * runs inside its namespace (`nodeOptions(i)`: the harness's `wrapper` and `bindHost`), so the
 * test process in the root namespace reaches every node through the bridge while the nodes
 * reach each other only through it too.
 *
 * `cut(a, b)` drops, with nftables inside a's namespace (`table inet rmz`), every packet coming
 * from b's address; `"both"` does the same in b's namespace. The test process's own traffic
 * (from .254) is never dropped, so clients and the admin API keep reaching every node. `heal()`
 * removes the tables. Closing the lab (`await using`, or `close()` in a finally) deletes the
 * tables, the namespaces, the veths and the bridge, whatever happened before; no address
 * outside 10.213.<net>.0/24 and 127.0.0.0/8 is used.
 */
import { type NodeOptions, requireProgram } from "../harness.ts";

async function run(cmd: string[], stdin?: string): Promise<string> {
  const p = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await p.output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${cmd.join(" ")} failed (${out.code}): ${dec.decode(out.stderr).trim()}`);
  }
  return dec.decode(out.stdout);
}

/**
 * Whether the lab can run here: `ip` and `nft` installed and root. Prints `SKIP: …` and
 * answers false when not; in CI (`CI=true`) fails instead, as requireProgram does.
 */
export async function netLabAvailable(): Promise<boolean> {
  if (!await requireProgram("ip") || !await requireProgram("nft")) return false;
  if (Deno.uid() !== 0) {
    const why = "network namespaces and nftables need root";
    if (Deno.env.get("CI") === "true") throw new Error(`${why}; CI must run the tests as root`);
    console.log(`SKIP: ${why} (uid ${Deno.uid()})`);
    return false;
  }
  return true;
}

export type CutMode = "both" | "one-way";

export class NetLab implements AsyncDisposable {
  /** Namespaces (by node index) holding the `inet rmz` table. */
  #cut = new Set<number>();
  /** What was created, for the cleanup: bridge, namespaces, host-side veths. */
  #bridge = false;
  #namespaces: string[] = [];
  #veths: string[] = [];
  #closed = false;

  private constructor(readonly id: string, readonly net: number, readonly size: number) {}

  /** Builds a lab of `size` namespaces; on any failure removes what it made and throws. */
  static async open(size: number): Promise<NetLab> {
    if (size < 1 || size > 250) throw new Error(`a lab holds 1 to 250 nodes, not ${size}`);
    const used = await run(["ip", "-4", "-o", "addr", "show"]);
    let net = 0;
    for (let tries = 0; tries < 50 && !net; tries++) {
      const n = 1 + Math.floor(Math.random() * 250);
      if (!used.includes(` 10.213.${n}.`)) net = n;
    }
    if (!net) throw new Error("no free 10.213.x.0/24 subnet found");
    const id = crypto.getRandomValues(new Uint8Array(2)).reduce(
      (s, b) => s + b.toString(16).padStart(2, "0"),
      "",
    );
    const lab = new NetLab(id, net, size);
    try {
      await lab.#build();
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  get bridge(): string {
    return `rmz-br${this.id}`;
  }

  /** The bridge's address: where the test process's packets come from. */
  get hostAddr(): string {
    return `10.213.${this.net}.254`;
  }

  ns(i: number): string {
    return `rmz-${this.id}-${i}`;
  }

  addr(i: number): string {
    return `10.213.${this.net}.${i + 1}`;
  }

  /** What the harness needs to start node `i` inside its namespace, bound to its address. */
  nodeOptions(i: number): Pick<NodeOptions, "wrapper" | "bindHost"> {
    return { wrapper: ["ip", "netns", "exec", this.ns(i)], bindHost: this.addr(i) };
  }

  async #build(): Promise<void> {
    const br = this.bridge;
    await run(["ip", "link", "add", br, "type", "bridge"]);
    this.#bridge = true;
    await run(["ip", "addr", "add", `${this.hostAddr}/24`, "dev", br]);
    await run(["ip", "link", "set", br, "up"]);
    for (let i = 0; i < this.size; i++) {
      const ns = this.ns(i);
      const host = `rmz-${this.id}-h${i}`;
      const inner = `rmz-${this.id}-n${i}`;
      await run(["ip", "netns", "add", ns]);
      this.#namespaces.push(ns);
      await run(["ip", "link", "add", host, "type", "veth", "peer", "name", inner, "netns", ns]);
      this.#veths.push(host);
      await run(["ip", "link", "set", host, "master", br]);
      await run(["ip", "link", "set", host, "up"]);
      await run(["ip", "-n", ns, "addr", "add", `${this.addr(i)}/24`, "dev", inner]);
      await run(["ip", "-n", ns, "link", "set", inner, "up"]);
      await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
  }

  /** Runs a command inside node `i`'s namespace. */
  exec(i: number, cmd: string[], stdin?: string): Promise<string> {
    return run(["ip", "netns", "exec", this.ns(i), ...cmd], stdin);
  }

  /**
   * Node `a` stops receiving anything from node `b` (nftables drop in a's namespace); with
   * "both", b stops receiving from a too. Cuts add up until `heal()`.
   */
  async cut(a: number, b: number, mode: CutMode): Promise<void> {
    const drop = async (at: number, from: number) => {
      await this.exec(
        at,
        ["nft", "-f", "-"],
        [
          "add table inet rmz",
          "add chain inet rmz input { type filter hook input priority 0; policy accept; }",
          `add rule inet rmz input ip saddr ${this.addr(from)} drop`,
          "",
        ].join("\n"),
      );
      this.#cut.add(at);
    };
    await drop(a, b);
    if (mode === "both") await drop(b, a);
  }

  /** The rules in force, per namespace (for logs). */
  async rules(): Promise<string> {
    const out: string[] = [];
    for (const i of this.#cut) {
      const r = await this.exec(i, ["nft", "list", "table", "inet", "rmz"]).catch((e) => String(e));
      const drops = [...r.matchAll(/ip saddr (\S+) drop/g)].map((m) => m[1]);
      out.push(`${this.ns(i)} drops from ${drops.join(", ")}`);
    }
    return out.join("; ");
  }

  /** Removes every cut. */
  async heal(): Promise<void> {
    const errors: string[] = [];
    for (const i of [...this.#cut]) {
      try {
        await this.exec(i, ["nft", "delete", "table", "inet", "rmz"]);
        this.#cut.delete(i);
      } catch (e) {
        errors.push(String(e));
      }
    }
    if (errors.length) throw new Error(`heal: ${errors.join("; ")}`);
  }

  /**
   * Removes the tables, namespaces, veths and bridge (each step tried even when another
   * fails). The nodes running inside must have been stopped first.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const errors: string[] = [];
    const attempt = async (cmd: string[]) => {
      try {
        await run(cmd);
      } catch (e) {
        errors.push(String(e));
      }
    };
    for (const i of this.#cut) {
      await attempt(["ip", "netns", "exec", this.ns(i), "nft", "delete", "table", "inet", "rmz"]);
    }
    this.#cut.clear();
    // Deleting a namespace deletes the veth end inside it and so its pair; a namespace some
    // process still holds outlives its name, so the host ends are deleted by name too.
    for (const ns of this.#namespaces) await attempt(["ip", "netns", "del", ns]);
    for (const v of this.#veths) {
      // Usually gone with its namespace already (the kernel may take a moment).
      try {
        await run(["ip", "link", "del", v]);
      } catch (e) {
        if (!/Cannot find device/.test(String(e))) errors.push(String(e));
      }
    }
    if (this.#bridge) await attempt(["ip", "link", "del", this.bridge]);
    if (errors.length) throw new Error(`network lab cleanup: ${errors.join("; ")}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
