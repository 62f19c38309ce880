/**
 * A bucket's CORS rules, lifecycle rules and website configuration (routing rules included),
 * edited as the S3 documents clients send, with templates for common cases. The server checks
 * each as the S3 API does and its refusal is shown as it comes.
 */
import { useState } from "preact/hooks";
import type { GetBucketDocumentsResponse, GetBucketInfoResponse } from "../../shared/admin.ts";
import { call } from "./api.ts";
import { ConfirmButton, ErrorNote, Loading, useAction, useResource } from "./ui.tsx";

type Field = keyof GetBucketDocumentsResponse;

const TEMPLATES: Record<Field, { label: string; xml: string }[]> = {
  corsConfiguration: [
    {
      label: "Any site may read",
      xml: `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <MaxAgeSeconds>3600</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`,
    },
    {
      label: "A web app may upload",
      xml: `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>YOUR-APP-ORIGIN</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
  </CORSRule>
</CORSConfiguration>`,
    },
  ],
  lifecycleConfiguration: [
    {
      label: "Expire tmp/ after 7 days",
      xml: `<LifecycleConfiguration>
  <Rule>
    <ID>expire-tmp</ID>
    <Filter><Prefix>tmp/</Prefix></Filter>
    <Status>Enabled</Status>
    <Expiration><Days>7</Days></Expiration>
  </Rule>
  <Rule>
    <ID>abort-uploads</ID>
    <Filter></Filter>
    <Status>Enabled</Status>
    <AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload>
  </Rule>
</LifecycleConfiguration>`,
    },
    {
      label: "Delete old versions after 30 days",
      xml: `<LifecycleConfiguration>
  <Rule>
    <ID>old-versions</ID>
    <Filter></Filter>
    <Status>Enabled</Status>
    <NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>
    <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>
  </Rule>
</LifecycleConfiguration>`,
    },
  ],
  websiteConfiguration: [
    {
      label: "Index, error page and a redirect",
      xml: `<WebsiteConfiguration>
  <IndexDocument><Suffix>index.html</Suffix></IndexDocument>
  <ErrorDocument><Key>404.html</Key></ErrorDocument>
  <RoutingRules>
    <RoutingRule>
      <Condition><KeyPrefixEquals>docs/</KeyPrefixEquals></Condition>
      <Redirect><ReplaceKeyPrefixWith>documentation/</ReplaceKeyPrefixWith></Redirect>
    </RoutingRule>
  </RoutingRules>
</WebsiteConfiguration>`,
    },
  ],
};

const TITLES: Record<Field, { title: string; what: string }> = {
  corsConfiguration: {
    title: "CORS rules",
    what:
      "Which web pages may call this bucket from a browser (S3's CORSConfiguration). In a template, replace YOUR-APP-ORIGIN with the page's origin: scheme, host and port.",
  },
  lifecycleConfiguration: {
    title: "Lifecycle rules",
    what:
      "What is deleted and when: expiry by age or date, old versions, unfinished uploads (S3's LifecycleConfiguration; transitions to other storage classes are refused).",
  },
  websiteConfiguration: {
    title: "Website configuration",
    what:
      "Index and error documents and routing rules for the website endpoint (S3's WebsiteConfiguration); setting it turns website access on, removing it turns it off.",
  },
};

function DocumentEditor(
  { bucketId, field, current, onSaved }: {
    bucketId: string;
    field: Field;
    current: string | null;
    onSaved: (b: GetBucketInfoResponse) => void;
  },
) {
  const [text, setText] = useState(current ?? "");
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const { title, what } = TITLES[field];
  const id = `doc-${field}`;
  const save = (value: string | null) =>
    action.run(async () => {
      setSaved(null);
      onSaved(
        await call<GetBucketInfoResponse>("UpdateBucket", {
          query: { id: bucketId },
          body: { [field]: value },
        }),
      );
      if (value === null) setText("");
      setSaved(value === null ? `${title}: removed.` : `${title}: saved.`);
    });
  return (
    <form
      class="card inline-form"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        save(text);
      }}
    >
      <h3>{title}</h3>
      <p class="hint">{what}</p>
      <div class="row">
        {TEMPLATES[field].map((t) => (
          <button
            key={t.label}
            type="button"
            class="small"
            onClick={() => setText(t.xml)}
          >
            Template: {t.label}
          </button>
        ))}
      </div>
      <div class="field">
        <label for={id}>{title} (XML)</label>
        <textarea
          id={id}
          class="mono"
          rows={10}
          spellcheck={false}
          value={text}
          placeholder="Not set."
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </div>
      <div class="row">
        <button type="submit" class="primary" disabled={action.busy || !text.trim()}>
          Save {title.toLowerCase()}
        </button>
        {current && (
          <ConfirmButton
            label={`Remove ${title.toLowerCase()}`}
            question={`Remove the bucket's ${title.toLowerCase()}?`}
            confirmLabel="Yes, remove"
            onConfirm={async () => {
              await save(null);
            }}
          />
        )}
      </div>
      {saved && <p class="note ok" role="status">{saved}</p>}
      <ErrorNote action={`Saving the ${title.toLowerCase()}`} error={action.error} />
    </form>
  );
}

export function BucketDocuments(
  { b, onChange }: { b: GetBucketInfoResponse; onChange: (b: GetBucketInfoResponse) => void },
) {
  const docs = useResource(() =>
    call<GetBucketDocumentsResponse>("GetBucketDocuments", { query: { id: b.id } })
  );
  if (docs.error) return <ErrorNote action="Reading the bucket's rules" error={docs.error} />;
  if (!docs.data) return <Loading what="the bucket's rules" />;
  const d = docs.data;
  const saved = (next: GetBucketInfoResponse) => {
    onChange(next);
    docs.reload();
  };
  return (
    <>
      {(Object.keys(TITLES) as Field[]).map((field) => (
        <DocumentEditor
          key={field}
          bucketId={b.id}
          field={field}
          current={d[field]}
          onSaved={saved}
        />
      ))}
    </>
  );
}
