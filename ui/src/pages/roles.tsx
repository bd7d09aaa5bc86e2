import { useEffect, useState } from "preact/hooks";
import { ApiError, type Json, del, list, read, write } from "../api";
import { ConfirmButton, ErrorList, SchemaForm, Section, SecretOnce, useAction } from "../components";
import { go, href } from "../router";
import { type FieldSpec, type RolePathSpec, bodyFields, rolePathSpec } from "../schema";

/**
 * The roles of any auth mount. The form comes from the mount's own field schemas (the public
 * OpenAPI document), so a plugin's roles are editable without console code.
 */
export function RolesPage({ mount, role }: { mount: string; role?: string }) {
  const [spec, setSpec] = useState<RolePathSpec | null | undefined>();
  const [type, setType] = useState("");
  const [roles, setRoles] = useState<string[]>([]);
  const [configFields, setConfigFields] = useState<FieldSpec[]>([]);
  const [status, setStatus] = useState("");
  const page = useAction();

  const loadRoles = async () => setRoles(await list(`auth/${mount}/role`));
  useEffect(() => {
    void page.run(async () => {
      const [doc, mountInfo] = await Promise.all([read("sys/internal/specs/openapi"), read(`sys/auth/${mount}`).catch(() => undefined)]);
      setType(mountInfo?.data?.type ?? mountInfo?.type ?? "");
      setSpec(rolePathSpec(doc, `${mount}/`) ?? null);
      setConfigFields(bodyFields(doc, `/auth/${mount}/config`));
      await loadRoles();
    });
  }, [mount]);

  return (
    <>
      <p>
        <a href={href("auth")}>← Auth methods</a>
      </p>
      <h1>
        Roles of auth/{mount}/ {type ? <span class="tag">{type}</span> : null}
      </h1>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={page.errors} />
      {configFields.length > 0 ? <MountConfig key={mount} mount={mount} fields={configFields} onSaved={async () => setStatus(`Saved the configuration of auth/${mount}/`)} /> : null}
      {spec === null ? <p>This auth method has no roles.</p> : null}
      {spec ? (
        <div class="split">
          <nav aria-label="Roles" class="list">
            <ul>
              {roles.map((r) => (
                <li>
                  <a href={href("auth", mount, r)} aria-current={r === role ? "page" : undefined}>
                    {r}
                  </a>
                </li>
              ))}
              {roles.length === 0 ? <li class="hint">No roles yet.</li> : null}
            </ul>
            <a href={href("auth", mount)}>New role</a>
          </nav>
          <div>
            {role ? (
              <EditRole
                key={role}
                mount={mount}
                type={type}
                spec={spec}
                name={role}
                onDeleted={async () => {
                  go("auth", mount);
                  await loadRoles();
                  setStatus(`Deleted role ${role}`);
                }}
                onSaved={async () => setStatus(`Saved role ${role}`)}
              />
            ) : (
              <NewRole
                mount={mount}
                spec={spec}
                onSaved={async (name) => {
                  // Navigate first: the status is the last thing to change (see policies.tsx).
                  go("auth", mount, name);
                  await loadRoles();
                  setStatus(`Saved role ${name}`);
                }}
              />
            )}
          </div>
        </div>
      ) : null}
    </>
  );
}

function NewRole({ mount, spec, onSaved }: { mount: string; spec: RolePathSpec; onSaved: (name: string) => Promise<void> }) {
  const [name, setName] = useState("");
  return (
    <Section title="New role">
      <SchemaForm
        fields={spec.fields.filter((f) => f.name !== spec.nameParam)}
        onSubmit={async (body) => {
          const n = name.trim();
          if (n === "") throw new Error(`${spec.nameParam} is required`);
          await write(`auth/${mount}/role/${encodeURIComponent(n)}`, body);
          await onSaved(n.toLowerCase());
        }}
      >
        <div class="field">
          <label for="role-name" class="mono">
            {spec.nameParam}
          </label>
          <span class="type">name</span>
          <input id="role-name" required autoComplete="off" value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
        </div>
      </SchemaForm>
    </Section>
  );
}

function EditRole(props: { mount: string; type: string; spec: RolePathSpec; name: string; onSaved: () => Promise<void>; onDeleted: () => Promise<void> }) {
  const { mount, spec, name } = props;
  const [initial, setInitial] = useState<Json | undefined>();
  const load = useAction();
  useEffect(() => {
    void load.run(async () => setInitial((await read(`auth/${mount}/role/${encodeURIComponent(name)}`)).data ?? {}));
  }, [mount, name]);
  return (
    <>
      <Section title={`Role ${name}`}>
        <ErrorList errors={load.errors} />
        {initial ? (
          <SchemaForm
            fields={spec.fields.filter((f) => f.name !== spec.nameParam)}
            initial={initial}
            onSubmit={async (body) => {
              await write(`auth/${mount}/role/${encodeURIComponent(name)}`, body);
              await props.onSaved();
            }}
          />
        ) : null}
        <p>
          <ConfirmButton
            label={`Delete role ${name}`}
            question={`Delete role ${name}?`}
            onConfirm={() =>
              load.run(async () => {
                await del(`auth/${mount}/role/${encodeURIComponent(name)}`);
                await props.onDeleted();
              })
            }
          />
        </p>
      </Section>
      {props.type === "approle" ? <AppRoleCredentials mount={mount} name={name} /> : null}
    </>
  );
}

/** AppRole: the role id, and a secret id generated on demand and shown once. */
function AppRoleCredentials({ mount, name }: { mount: string; name: string }) {
  const [roleId, setRoleId] = useState("");
  const [secret, setSecret] = useState<Json | undefined>();
  const action = useAction();
  const base = `auth/${mount}/role/${encodeURIComponent(name)}`;
  useEffect(() => {
    void action.run(async () => setRoleId((await read(`${base}/role-id`)).data?.role_id ?? ""));
  }, [base]);
  return (
    <Section title="AppRole credentials">
      <div class="field">
        <label for="role-id">Role ID</label>
        <input id="role-id" readOnly class="mono" value={roleId} />
      </div>
      <button
        type="button"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            setSecret((await write(`${base}/secret-id`, {})).data);
          })
        }
      >
        Generate secret ID
      </button>
      <ErrorList errors={action.errors} />
      {secret ? (
        <>
          <SecretOnce key={secret.secret_id_accessor} label="Secret ID" value={secret.secret_id} />
          <p>
            Accessor: <span class="mono">{secret.secret_id_accessor}</span>
          </p>
        </>
      ) : null}
    </Section>
  );
}

/**
 * The mount's own configuration (`auth/<mount>/config`), when its method declares one: a form generated
 * from that path's fields like a role's, opened on demand (its inputs have ids of their own).
 */
function MountConfig({ mount, fields, onSaved }: { mount: string; fields: FieldSpec[]; onSaved: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [initial, setInitial] = useState<Json | undefined>();
  const load = useAction();
  useEffect(() => {
    if (!open) return;
    void load.run(async () => {
      try {
        setInitial((await read(`auth/${mount}/config`)).data ?? {});
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) setInitial({}); // not configured yet
        else throw e;
      }
    });
  }, [open, mount]);
  return (
    <Section title="Configuration">
      {/* Closing forgets the values read: reopened, the form is built only from a fresh read. */}
      <button
        type="button"
        aria-expanded={open}
        onClick={() => {
          setInitial(undefined);
          setOpen(!open);
        }}
      >
        {open ? "Close configuration" : "Edit configuration"}
      </button>
      <ErrorList errors={load.errors} />
      {open && initial ? (
        <SchemaForm
          fields={fields}
          initial={initial}
          idPrefix="config-field"
          onSubmit={async (body) => {
            await write(`auth/${mount}/config`, body);
            setInitial(undefined);
            setOpen(false);
            await onSaved();
          }}
        />
      ) : null}
    </Section>
  );
}
