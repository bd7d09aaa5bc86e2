import { useEffect, useState } from "preact/hooks";
import { type Json, del, list, read, write } from "../api";
import { ConfirmButton, ErrorList, Section, useAction } from "../components";
import { splitList } from "../schema";

interface Data {
  entities: Json[];
  groups: Json[];
  aliases: Json[];
  mounts: Record<string, Json>;
}

/** Entities, their aliases and groups (Vault's identity/* paths). */
export function IdentityPage() {
  const [data, setData] = useState<Data>({ entities: [], groups: [], aliases: [], mounts: {} });
  const [status, setStatus] = useState("");
  const page = useAction();
  const load = () =>
    page.run(async () => {
      const [entityNames, groupNames, aliasIds, auth] = await Promise.all([list("identity/entity/name"), list("identity/group/name"), list("identity/entity-alias/id"), read("sys/auth")]);
      const [entities, groups, aliases] = await Promise.all([
        Promise.all(entityNames.map(async (n) => (await read(`identity/entity/name/${encodeURIComponent(n)}`)).data)),
        Promise.all(groupNames.map(async (n) => (await read(`identity/group/name/${encodeURIComponent(n)}`)).data)),
        Promise.all(aliasIds.map(async (id) => (await read(`identity/entity-alias/id/${encodeURIComponent(id)}`)).data)),
      ]);
      setData({ entities, groups, aliases, mounts: auth.data ?? {} });
    });
  useEffect(() => {
    void load();
  }, []);
  const done = async (message: string) => {
    setStatus(message);
    await load();
  };
  const entityName = (id: string) => data.entities.find((e) => e.id === id)?.name ?? id;
  const mountOf = (accessor: string) => Object.entries(data.mounts).find(([, m]) => m.accessor === accessor)?.[0] ?? accessor;

  return (
    <>
      <h1>Identity</h1>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={page.errors} />
      <Section title="Entities">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">ID</th>
              <th scope="col">Policies</th>
              <th scope="col">Aliases</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.entities.map((e) => (
              <tr>
                <td>{e.name}</td>
                <td class="mono">{e.id}</td>
                <td>{(e.policies ?? []).join(", ")}</td>
                <td>{(e.aliases ?? []).map((a: Json) => `${a.name} (${mountOf(a.mount_accessor)})`).join(", ")}</td>
                <td>
                  <ConfirmButton
                    label={`Delete entity ${e.name}`}
                    question={`Delete entity ${e.name} and its aliases?`}
                    onConfirm={() =>
                      page.run(async () => {
                        await del(`identity/entity/id/${encodeURIComponent(e.id)}`);
                        await done(`Deleted entity ${e.name}`);
                      })
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <NamedForm prefix="entity" submit="Create entity" onDone={(n) => done(`Created entity ${n}`)} />
      </Section>
      <Section title="Aliases">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Auth mount</th>
              <th scope="col">Entity</th>
            </tr>
          </thead>
          <tbody>
            {data.aliases.map((a) => (
              <tr>
                <td>{a.name}</td>
                <td class="mono">{mountOf(a.mount_accessor)}</td>
                <td>{entityName(a.canonical_id)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <AliasForm entities={data.entities} mounts={data.mounts} onDone={(n) => done(`Created alias ${n}`)} />
      </Section>
      <Section title="Groups">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Policies</th>
              <th scope="col">Members</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {data.groups.map((g) => (
              <tr>
                <td>{g.name}</td>
                <td>{(g.policies ?? []).join(", ")}</td>
                <td>{(g.member_entity_ids ?? []).map(entityName).join(", ")}</td>
                <td>
                  <ConfirmButton
                    label={`Delete group ${g.name}`}
                    question={`Delete group ${g.name}?`}
                    onConfirm={() =>
                      page.run(async () => {
                        await del(`identity/group/id/${encodeURIComponent(g.id)}`);
                        await done(`Deleted group ${g.name}`);
                      })
                    }
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <NamedForm prefix="group" submit="Create group" members={data.entities} onDone={(n) => done(`Created group ${n}`)} />
      </Section>
    </>
  );
}

function NamedForm(props: { prefix: "entity" | "group"; submit: string; members?: Json[]; onDone: (name: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [policies, setPolicies] = useState("");
  const [members, setMembers] = useState<string[]>([]);
  const action = useAction();
  const id = (s: string) => `${props.prefix}-${s}`;
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const body: Json = { name: name.trim(), policies: splitList(policies) };
          if (props.members) body.member_entity_ids = members;
          await write(`identity/${props.prefix}`, body);
          setName("");
          setPolicies("");
          setMembers([]);
          await props.onDone(body.name);
        });
      }}
    >
      <div class="field">
        <label for={id("name")}>{props.prefix === "entity" ? "Entity name" : "Group name"}</label>
        <input id={id("name")} required value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for={id("policies")}>{props.prefix === "entity" ? "Entity policies" : "Group policies"}</label>
        <input id={id("policies")} placeholder="comma-separated" value={policies} onInput={(e) => setPolicies((e.currentTarget as HTMLInputElement).value)} />
      </div>
      {props.members ? (
        <div class="field">
          <label for={id("members")}>Member entities</label>
          <select id={id("members")} multiple onChange={(e) => setMembers([...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => o.value))}>
            {props.members.map((m) => (
              <option value={m.id} selected={members.includes(m.id)}>{m.name}</option>
            ))}
          </select>
        </div>
      ) : null}
      <ErrorList errors={action.errors} />
      <button type="submit" disabled={action.busy || name.trim() === ""}>
        {props.submit}
      </button>
    </form>
  );
}

function AliasForm(props: { entities: Json[]; mounts: Record<string, Json>; onDone: (name: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [entity, setEntity] = useState("");
  const [accessor, setAccessor] = useState("");
  const action = useAction();
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          await write("identity/entity-alias", { name: name.trim(), canonical_id: entity, mount_accessor: accessor });
          setName("");
          await props.onDone(name.trim());
        });
      }}
    >
      <div class="field">
        <label for="alias-name">Alias name</label>
        <input id="alias-name" required value={name} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="alias-entity">Entity</label>
        <select id="alias-entity" required value={entity} onChange={(e) => setEntity((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">Choose…</option>
          {props.entities.map((en) => (
            <option value={en.id}>{en.name}</option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="alias-mount">Auth mount</label>
        <select id="alias-mount" required value={accessor} onChange={(e) => setAccessor((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">Choose…</option>
          {Object.entries(props.mounts).map(([path, m]) => (
            <option value={m.accessor}>{path}</option>
          ))}
        </select>
      </div>
      <ErrorList errors={action.errors} />
      <button type="submit" disabled={action.busy || name.trim() === "" || entity === "" || accessor === ""}>
        Create alias
      </button>
    </form>
  );
}
