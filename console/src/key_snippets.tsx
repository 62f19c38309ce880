/**
 * How to use a key: this node's S3 endpoint and region, and ready-to-paste settings for awscli,
 * rclone and restic (with the secret when it is known, right after the key is created).
 */
import { useState } from "preact/hooks";
import type { GetNodeInfoResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { CopyButton, CopyField, ErrorNote, Loading, useResource } from "./ui.tsx";

/** The endpoint a client reaches: the node's S3 URL, on the host the console was opened with. */
export function clientEndpoint(url: string, pageHost: string): string {
  const u = new URL(url);
  if (["0.0.0.0", "[::]", "::"].includes(u.hostname)) u.hostname = pageHost;
  return u.origin;
}

type Tool = "awscli" | "rclone" | "restic";

export function snippet(
  tool: Tool,
  o: { endpoint: string; region: string; keyId: string; secret: string },
): string {
  switch (tool) {
    case "awscli":
      return [
        `export AWS_ACCESS_KEY_ID=${o.keyId}`,
        `export AWS_SECRET_ACCESS_KEY=${o.secret}`,
        `export AWS_DEFAULT_REGION=${o.region}`,
        // --endpoint-url, not AWS_ENDPOINT_URL: awscli before 2.13 (Debian 12's) ignores that.
        `aws --endpoint-url ${o.endpoint} s3 ls`,
      ].join("\n");
    case "rclone":
      return [
        "# ~/.config/rclone/rclone.conf",
        "[remise]",
        "type = s3",
        "provider = Other",
        `access_key_id = ${o.keyId}`,
        `secret_access_key = ${o.secret}`,
        `region = ${o.region}`,
        `endpoint = ${o.endpoint}`,
        "force_path_style = true",
        "",
        "# then: rclone lsd remise:",
      ].join("\n");
    case "restic":
      return [
        `export AWS_ACCESS_KEY_ID=${o.keyId}`,
        `export AWS_SECRET_ACCESS_KEY=${o.secret}`,
        `export AWS_DEFAULT_REGION=${o.region}`,
        `export RESTIC_REPOSITORY=s3:${o.endpoint}/BUCKET/restic`,
        "restic init   # asks for the repository's password",
      ].join("\n");
  }
}

const TOOLS: Tool[] = ["awscli", "rclone", "restic"];

export function KeySnippets({ keyId, secret }: { keyId: string; secret?: string }) {
  const info = useResource(() =>
    call<GetNodeInfoResponse>("GetNodeInfo", { query: { node: "self" } })
  );
  const [tool, setTool] = useState<Tool>("awscli");
  const s3 = info.data && Object.values(info.data.success)[0]?.s3Api;
  if (info.error) return <ErrorNote action="Reading this node's S3 endpoint" error={info.error} />;
  if (!info.data) return <Loading what="the S3 endpoint" />;
  if (!s3) return <p class="hint">This node does not serve the S3 API.</p>;
  const endpoint = clientEndpoint(s3.url, location.hostname);
  const text = snippet(tool, {
    endpoint,
    region: s3.region,
    keyId,
    secret: secret ?? "YOUR_SECRET_KEY",
  });
  return (
    <div class="snippets">
      <div class="row">
        <CopyField id={`s3-endpoint-${keyId}`} label="S3 endpoint" value={endpoint} />
        <CopyField id={`s3-region-${keyId}`} label="Region" value={s3.region} />
      </div>
      <div class="tabs" role="tablist" aria-label="Client">
        {TOOLS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tool === t}
            class={tool === t ? "small selected" : "small"}
            onClick={() => setTool(t)}
          >
            {t}
          </button>
        ))}
      </div>
      <pre class="block" role="tabpanel" aria-label={`Settings for ${tool}`}>{text}</pre>
      <CopyButton text={text} what={`${tool} settings`} />
      {!secret && (
        <p class="hint">
          The secret is shown only when a key is created: put it in place of YOUR_SECRET_KEY.
        </p>
      )}
    </div>
  );
}
