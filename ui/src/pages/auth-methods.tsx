import { useEffect, useState } from "preact/hooks";
import { type Json, del, read, write } from "../api";
import { ConfirmButton, ErrorList, SchemaForm, Section, useAction } from "../components";
import { ttlText } from "../duration";
import { href } from "../router";
import { type FieldSpec, bodyFields } from "../schema";

/** sys/auth/<path>/tune's fields when the OpenAPI document cannot be read (Vault's names). */
const TUNE_FIELDS: FieldSpec[] = [
  { name: "description", type: "string", required: false, deprecated: false, description: "Human-friendly description of the mount." },
  { name: "default_lease_ttl", type: "string", format: "duration", required: false, deprecated: false, description: "Default TTL of tokens issued by this method." },
  { name: "max_lease_ttl", type: "string", format: "duration", required: false, deprecated: false, description: "Maximum TTL of tokens issued by this method." },
];

export function AuthMethodsPage() {
  const [mounts, setMounts] = useState<Record<string, Json>>({});
  const [types, setTypes] = useState<string[]>([]);
  const [tuning, setTuning] = useState<string | undefined>();
  const [tuneFields, setTuneFields] = useState<FieldSpec[]>(TUNE_FIELDS);
  const [status, setStatus] = useState("");
  const page = useAction();

  const load = () =>
    page.run(async () => {
      setMounts((await read("sys/auth")).data ?? {});
    });
  useEffect(() => {
    void load();
    // The tune form comes from the server's own declaration of sys/auth/{path}/tune.
    void read("sys/internal/specs/openapi")
      .then((doc) => {
        const fields = bodyFields(doc, "/sys/auth/{path}/tune");
        if (fields.length > 0) setTuneFields(fields);
      })
      .catch(() => {});
    void read("sys/plugins/catalog")
      .then((r) => setTypes(r.data?.auth ?? []))
      .catch(() => setTypes([]));
  }, []);

  return (
    <>
      <h1>Auth methods</h1>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={page.errors} />
      <table>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Type</th>
            <th scope="col">Description</th>
            <th scope="col">Default / max TTL</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(mounts).map(([path, m]) => (
            <tr>
              <td class="mono">{m.type === "token" ? path : <a href={href("auth", path.replace(/\/$/, ""))}>{path}</a>}</td>
              <td>{m.type}</td>
              <td>{m.description}</td>
              <td>
                {ttlText(m.config?.default_lease_ttl)} / {ttlText(m.config?.max_lease_ttl)}
              </td>
              <td class="actions">
                <button type="button" aria-label={`Tune ${path}`} onClick={() => setTuning(tuning === path ? undefined : path)}>
                  Tune
                </button>{" "}
                {m.type === "token" ? null : (
                  <ConfirmButton
                    label={`Disable ${path}`}
                    question={`Disable auth/${path}? Its roles are deleted and its tokens revoked.`}
                    onConfirm={() =>
                      page.run(async () => {
                        await del(`sys/auth/${path.replace(/\/$/, "")}`);
                        setStatus(`Disabled auth/${path}`);
                        await load();
                      })
                    }
                  />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tuning ? (
        <Section title={`Tune auth/${tuning}`}>
          <TuneForm
            key={tuning}
            path={tuning}
            fields={tuneFields}
            onTuned={async () => {
              setStatus(`Tuned auth/${tuning}`);
              setTuning(undefined);
              await load();
            }}
          />
        </Section>
      ) : null}
      <EnableForm
        types={types}
        onEnabled={async (path) => {
          setStatus(`Enabled auth/${path}/`);
          await load();
        }}
      />
    </>
  );
}

function EnableForm({ types, onEnabled }: { types: string[]; onEnabled: (path: string) => Promise<void> }) {
  const [type, setType] = useState("");
  const [path, setPath] = useState("");
  const [description, setDescription] = useState("");
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const p = (path.trim() || type).replace(/^\/+|\/+$/g, "");
    void action.run(async () => {
      await write(`sys/auth/${p}`, { type, description });
      setPath("");
      setDescription("");
      await onEnabled(p);
    });
  };
  return (
    <Section title="Enable an auth method">
      <form onSubmit={submit}>
        <div class="field">
          <label for="enable-type">Type</label>
          <select id="enable-type" required value={type} onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Choose a type…</option>
            {types.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="enable-path">Path</label>
          <input id="enable-path" placeholder={type || "same as the type"} value={path} onInput={(e) => setPath((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="enable-description">Description</label>
          <input id="enable-description" value={description} onInput={(e) => setDescription((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <ErrorList errors={action.errors} />
        <button type="submit" disabled={action.busy || type === ""}>
          Enable
        </button>
      </form>
    </Section>
  );
}


/** The mount's current tune values, in the generated form; only what the operator changes is sent. */
function TuneForm({ path, fields, onTuned }: { path: string; fields: FieldSpec[]; onTuned: () => Promise<void> }) {
  const [current, setCurrent] = useState<Json | undefined>();
  const action = useAction();
  useEffect(() => {
    void action.run(async () => setCurrent((await read(`sys/auth/${path}tune`)).data ?? {}));
  }, [path]);
  if (!current) return <ErrorList errors={action.errors} />;
  return (
    <SchemaForm
      fields={fields}
      initial={current}
      onSubmit={async (body) => {
        await write(`sys/auth/${path}tune`, body);
        await onTuned();
      }}
    />
  );
}
