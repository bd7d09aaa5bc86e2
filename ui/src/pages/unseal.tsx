import { useEffect, useState } from "preact/hooks";
import { type Json, read, write } from "../api";
import { ErrorList, useAction } from "../components";

/** Shown instead of everything else while the server is sealed: Vault's sys/unseal, one share at a time. */
export function UnsealPage({ onUnsealed }: { onUnsealed: () => void }) {
  const [status, setStatus] = useState<Json | undefined>();
  const [key, setKey] = useState("");
  const action = useAction();
  useEffect(() => {
    void read("sys/seal-status", { anonymous: true }).then(setStatus);
  }, []);
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const s = await write("sys/unseal", { key: key.trim() }, { anonymous: true });
      setKey("");
      setStatus(s);
      if (!s.sealed) onUnsealed();
    });
  };
  return (
    <form class="card narrow" onSubmit={submit}>
      <h1>Unseal</h1>
      <p>The server is sealed. {status && status.type === "shamir" ? `Key shares entered: ${status.progress} of ${status.t}.` : null}</p>
      <label for="unseal-key">Unseal key</label>
      <input id="unseal-key" type="password" autoComplete="off" value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />
      <ErrorList errors={action.errors} />
      <button type="submit" disabled={action.busy || key.trim() === ""}>
        Unseal
      </button>
    </form>
  );
}
