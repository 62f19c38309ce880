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
import { href, type Route, route } from "./router.ts";
import { SignIn } from "./sign_in.tsx";
import { currentNotice, signOut, token } from "./state.ts";
import { Notice, PageTitle } from "./ui.tsx";

const NAV: { label: string; route: Route; screens: Route["screen"][] }[] = [
  { label: "Cluster", route: { screen: "cluster" }, screens: ["cluster"] },
  { label: "Layout", route: { screen: "layout" }, screens: ["layout"] },
  { label: "Keys", route: { screen: "keys" }, screens: ["keys", "key"] },
  {
    label: "Buckets",
    route: { screen: "buckets" },
    screens: ["buckets", "bucket", "access", "objects"],
  },
  { label: "Operations", route: { screen: "operations" }, screens: ["operations"] },
];

function Screen({ r }: { r: Route }) {
  switch (r.screen) {
    case "cluster":
      return <ClusterView />;
    case "layout":
      return <LayoutView />;
    case "operations":
      return <OperationsView />;
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
  return (
    <>
      <a class="skip" href="#/" onClick={skipToContent}>Skip to content</a>
      <header class="top">
        <a class="brand" href={href({ screen: "cluster" })}>
          Remise <span class="muted">console</span>
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
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
        <button type="button" class="link" onClick={() => signOut()}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {notice && <Notice>{notice}</Notice>}
        <Screen key={r.screen} r={r} />
      </main>
    </>
  );
}
