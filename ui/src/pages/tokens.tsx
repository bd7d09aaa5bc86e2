import { useEffect, useState } from "preact/hooks";
import { type Json, list, write } from "../api";
import { ConfirmButton, ErrorList, Section, SecretOnce, useAction } from "../components";
import { splitList } from "../schema";

export function TokensPage() {
  return (
    <>
      <h1>Tokens</h1>
      <LookupToken />
      <CreateToken />
    </>
  );
}

function LookupToken() {
  const [accessor, setAccessor] = useState("");
  const [found, setFound] = useState<Json | undefined>();
  const [accessors, setAccessors] = useState<string[]>([]);
  const [status, setStatus] = useState("");
  const action = useAction();
  const loadAccessors = () => list("auth/token/accessors").then(setAccessors, () => setAccessors([]));
  useEffect(() => {
    void loadAccessors();
  }, []);
  const lookup = (a: string) =>
    action.run(async () => {
      setStatus("");
      setFound(undefined);
      setFound((await write("auth/token/lookup-accessor", { accessor: a.trim() })).data);
    });
  return (
    <Section title="Look up a token by accessor">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void lookup(accessor);
        }}
      >
        <div class="field">
          <label for="accessor">Accessor</label>
          <input id="accessor" class="mono" autoComplete="off" list="accessor-list" value={accessor} onInput={(e) => setAccessor((e.currentTarget as HTMLInputElement).value)} />
          <datalist id="accessor-list">
            {accessors.map((a) => (
              <option value={a} />
            ))}
          </datalist>
        </div>
        <button type="submit" disabled={action.busy || accessor.trim() === ""}>
          Look up
        </button>
      </form>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={action.errors} />
      {found ? (
        <div class="card">
          <dl class="facts" aria-label="Token details">
            <dt>Accessor</dt>
            <dd class="mono">{found.accessor}</dd>
            <dt>Display name</dt>
            <dd>{found.display_name}</dd>
            <dt>Policies</dt>
            <dd>{(found.policies ?? []).join(", ")}</dd>
            <dt>Path</dt>
            <dd class="mono">{found.path}</dd>
            <dt>TTL</dt>
            <dd>{found.ttl} s</dd>
            <dt>Expires</dt>
            <dd>{found.expire_time ?? "never"}</dd>
            <dt>Entity</dt>
            <dd class="mono">{found.entity_id || "none"}</dd>
          </dl>
          <ConfirmButton
            label="Revoke"
            question={`Revoke the token with accessor ${found.accessor} and its children?`}
            onConfirm={() =>
              action.run(async () => {
                await write("auth/token/revoke-accessor", { accessor: found.accessor });
                setFound(undefined);
                setStatus(`Revoked the token with accessor ${found.accessor}`);
                await loadAccessors();
              })
            }
          />
        </div>
      ) : null}
    </Section>
  );
}

function CreateToken() {
  const [policies, setPolicies] = useState("");
  const [ttl, setTtl] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [created, setCreated] = useState<Json | undefined>();
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setCreated(undefined);
      const body: Json = { policies: splitList(policies) };
      if (ttl.trim() !== "") body.ttl = ttl.trim();
      if (displayName.trim() !== "") body.display_name = displayName.trim();
      setCreated((await write("auth/token/create", body)).auth);
    });
  };
  return (
    <Section title="Create a token">
      <form onSubmit={submit}>
        <div class="field">
          <label for="new-policies">Policies</label>
          <input id="new-policies" placeholder="comma-separated, e.g. default, app" value={policies} onInput={(e) => setPolicies((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="new-ttl">TTL</label>
          <input id="new-ttl" placeholder="e.g. 1h (default: the token store's)" value={ttl} onInput={(e) => setTtl((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="new-display-name">Display name</label>
          <input id="new-display-name" value={displayName} onInput={(e) => setDisplayName((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <ErrorList errors={action.errors} />
        <button type="submit" disabled={action.busy}>
          Create token
        </button>
      </form>
      {created ? (
        <>
          <SecretOnce key={created.accessor} label="New token" value={created.client_token} />
          <p>
            Accessor: <span class="mono">{created.accessor}</span> · policies {(created.policies ?? []).join(", ")} · TTL {created.lease_duration} s
          </p>
        </>
      ) : null}
    </Section>
  );
}
