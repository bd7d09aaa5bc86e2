import { useEffect, useState } from "preact/hooks";
import { type Json, del, read, write } from "../api";
import { ConfirmButton, ErrorList, Section, useAction } from "../components";

/** Audit devices (sys/audit): list, enable a file device, disable with confirmation. */
export function AuditPage() {
  const [devices, setDevices] = useState<Record<string, Json>>({});
  const [status, setStatus] = useState("");
  const [path, setPath] = useState("");
  const [filePath, setFilePath] = useState("");
  const page = useAction();
  const form = useAction();
  const load = () => page.run(async () => setDevices((await read("sys/audit")).data ?? {}));
  useEffect(() => {
    void load();
  }, []);
  return (
    <>
      <h1>Audit devices</h1>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={page.errors} />
      {Object.keys(devices).length === 0 ? <p>No audit device is enabled: requests are not audited.</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Type</th>
            <th scope="col">File</th>
            <th scope="col">Description</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(devices).map(([p, d]) => (
            <tr>
              <td class="mono">{p}</td>
              <td>{d.type}</td>
              <td class="mono">{d.options?.file_path}</td>
              <td>{d.description}</td>
              <td>
                <ConfirmButton
                  label={`Disable ${p}`}
                  question={`Disable audit device ${p}?`}
                  onConfirm={() =>
                    page.run(async () => {
                      await del(`sys/audit/${p.replace(/\/$/, "")}`);
                      setStatus(`Disabled audit device ${p}`);
                      await load();
                    })
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Section title="Enable a file audit device">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void form.run(async () => {
              const p = path.trim().replace(/^\/+|\/+$/g, "") || "file";
              await write(`sys/audit/${p}`, { type: "file", options: { file_path: filePath.trim() } });
              setStatus(`Enabled audit device ${p}/`);
              setPath("");
              setFilePath("");
              await load();
            });
          }}
        >
          <div class="field">
            <label for="audit-path">Audit path</label>
            <input id="audit-path" placeholder="file" value={path} onInput={(e) => setPath((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <div class="field">
            <label for="audit-file">file_path</label>
            <input id="audit-file" class="mono" placeholder="/var/log/warden/audit.log" value={filePath} onInput={(e) => setFilePath((e.currentTarget as HTMLInputElement).value)} />
          </div>
          <ErrorList errors={form.errors} />
          <button type="submit" disabled={form.busy || filePath.trim() === ""}>
            Enable device
          </button>
        </form>
      </Section>
    </>
  );
}
