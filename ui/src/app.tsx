import { useEffect, useState } from "preact/hooks";
import { ApiError, errorText, read, session } from "./api";
import { ErrorList, useAction } from "./components";
import { AuditPage } from "./pages/audit";
import { AuthMethodsPage } from "./pages/auth-methods";
import { IdentityPage } from "./pages/identity";
import { OverviewPage } from "./pages/overview";
import { PoliciesPage } from "./pages/policies";
import { RolesPage } from "./pages/roles";
import { TokensPage } from "./pages/tokens";
import { UnsealPage } from "./pages/unseal";
import { href, useRoute } from "./router";

const NAV: Array<[string, string]> = [
  ["", "Overview"],
  ["auth", "Auth methods"],
  ["policies", "Policies"],
  ["tokens", "Tokens"],
  ["identity", "Identity"],
  ["audit", "Audit devices"],
];

export function App() {
  const [token, setToken] = useState(session.token);
  const [sealed, setSealed] = useState<boolean | undefined>(undefined);
  const route = useRoute();

  const checkSeal = async () => {
    try {
      const s = await read("sys/seal-status", { anonymous: true });
      setSealed(s.sealed === true);
    } catch {
      setSealed(false); // the pages say what is wrong
    }
  };
  useEffect(() => {
    void checkSeal();
  }, []);

  const signOut = () => {
    session.token = null;
    setToken(null);
  };

  let main;
  if (sealed === undefined) main = <p>Loading…</p>;
  else if (sealed) main = <UnsealPage onUnsealed={() => setSealed(false)} />;
  else if (!token) main = <SignIn onSignedIn={() => setToken(session.token)} />;
  else main = <Page route={route} onUnauthorized={signOut} />;

  return (
    <>
      <header>
        <span class="brand">warden</span>
        {token && sealed === false ? (
          <>
            <nav aria-label="Main">
              {NAV.map(([path, label]) => (
                <a href={href(path)} aria-current={(route[0] ?? "") === path ? "page" : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <button type="button" class="link" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : null}
      </header>
      <main>{main}</main>
    </>
  );
}

function Page({ route, onUnauthorized }: { route: string[]; onUnauthorized: () => void }) {
  const [first, ...rest] = route;
  switch (first) {
    case "auth":
      return rest.length > 0 ? <RolesPage mount={rest[0]!} role={rest[1]} /> : <AuthMethodsPage />;
    case "policies":
      return <PoliciesPage name={rest[0]} />;
    case "tokens":
      return <TokensPage />;
    case "identity":
      return <IdentityPage />;
    case "audit":
      return <AuditPage />;
    default:
      return <OverviewPage onUnauthorized={onUnauthorized} />;
  }
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState("");
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      // The token is checked before it is kept: lookup-self answers 403 for a bad one.
      session.token = value.trim();
      try {
        await read("auth/token/lookup-self");
      } catch (err) {
        session.token = null;
        if (err instanceof ApiError && err.status === 403) throw new Error("That token is not valid (or has expired).");
        throw new Error(errorText(err));
      }
      onSignedIn();
    });
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>Sign in</h1>
      <label for="token">Token</label>
      <input id="token" type="password" autoComplete="off" required value={value} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} />
      <ErrorList errors={action.errors} />
      <button type="submit" disabled={action.busy || value.trim() === ""}>
        Sign in
      </button>
      <p class="hint">The token is kept in this tab only (sessionStorage) and sent as X-Vault-Token.</p>
    </form>
  );
}
