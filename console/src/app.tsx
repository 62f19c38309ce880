/** The frame around every screen once signed in: header, navigation, the screen of the hash. */
import { AccessView } from "./bucket_access.tsx";
import { BucketView } from "./bucket.tsx";
import { BucketsView } from "./buckets.tsx";
import { ClusterView } from "./cluster.tsx";
import { KeyView } from "./key.tsx";
import { KeysView } from "./keys.tsx";
import { LayoutView } from "./layout.tsx";
import { ObjectsView } from "./objects.tsx";
import { OperationsView } from "./operations.tsx";
import { UsageView } from "./usage.tsx";
import { href, type Route, route } from "./router.ts";
import { SignIn } from "./sign_in.tsx";
import type { AdminEndpoint } from "../../shared/admin.ts";
import { can, currentNotice, signOut, token, who } from "./state.ts";
import { Notice, PageTitle } from "./ui.tsx";

/** Each part of the console, and the endpoint its screens cannot do without. */
const NAV: { label: string; route: Route; screens: Route["screen"][]; needs: AdminEndpoint }[] = [
  {
    label: "Cluster",
    route: { screen: "cluster" },
    screens: ["cluster"],
    needs: "GetClusterStatus",
  },
  { label: "Layout", route: { screen: "layout" }, screens: ["layout"], needs: "GetClusterLayout" },
  { label: "Keys", route: { screen: "keys" }, screens: ["keys", "key"], needs: "ListKeys" },
  {
    label: "Buckets",
    route: { screen: "buckets" },
    screens: ["buckets", "bucket", "access", "objects"],
    needs: "ListBuckets",
  },
  {
    label: "Operations",
    route: { screen: "operations" },
    screens: ["operations"],
    needs: "ListWorkers",
  },
  { label: "Usage", route: { screen: "usage" }, screens: ["usage"], needs: "GetNodeUsage" },
];

/** What a token whose scope leaves a screen out sees there instead. */
function OutOfScope({ needs }: { needs: AdminEndpoint }) {
  const first = NAV.find((n) => can(n.needs));
  return (
    <section aria-labelledby="page-title">
      <PageTitle title="Not allowed">Not in this token's scope</PageTitle>
      <p>
        The token “{who.value?.name}” may not call <code>{needs}</code>, which this screen needs.
        {first && (
          <>
            {" "}Go to <a href={href(first.route)}>{first.label}</a>, or sign in with another token.
          </>
        )}
      </p>
    </section>
  );
}

function Screen({ r }: { r: Route }) {
  switch (r.screen) {
    case "cluster":
      return <ClusterView />;
    case "layout":
      return <LayoutView />;
    case "operations":
      return <OperationsView />;
    case "usage":
      return <UsageView />;
    case "keys":
      return <KeysView />;
    case "key":
      return <KeyView key={r.id} id={r.id} />;
    case "buckets":
      return <BucketsView />;
    case "bucket":
      return <BucketView key={r.id} id={r.id} />;
    case "access":
      return <AccessView key={r.id} id={r.id} />;
    case "objects":
      return <ObjectsView key={`${r.id}/${r.prefix}`} id={r.id} prefix={r.prefix} />;
    case "notFound":
      return (
        <section aria-labelledby="page-title">
          <PageTitle title="Not found">Nothing here</PageTitle>
          <p>
            The console has no screen at <code>{r.path}</code>. Go to the{" "}
            <a href={href({ screen: "cluster" })}>cluster</a>.
          </p>
        </section>
      );
  }
}

function skipToContent(e: Event) {
  e.preventDefault();
  document.getElementById("main")?.focus();
}

export function App() {
  if (!token.value) return <SignIn />;
  const r = route.value;
  const notice = currentNotice();
  const part = NAV.find((n) => n.screens.includes(r.screen));
  const me = who.value;
  return (
    <>
      <a class="skip" href="#/" onClick={skipToContent}>Skip to content</a>
      <header class="top">
        <a class="brand" href={href({ screen: "cluster" })}>
          Remise <span class="muted">console</span>
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => can(n.needs)).map((n) => (
              <li key={n.label}>
                <a
                  href={href(n.route)}
                  aria-current={n.screens.includes(r.screen) ? "page" : undefined}
                >
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {me?.id && <span class="muted small">token “{me.name}”</span>}
        <button type="button" class="link" onClick={() => signOut()}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {notice && <Notice>{notice}</Notice>}
        {part && !can(part.needs)
          ? <OutOfScope needs={part.needs} />
          : <Screen key={r.screen} r={r} />}
      </main>
    </>
  );
}
