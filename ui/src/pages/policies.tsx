import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, del, list, read, write } from "../api";
import { ConfirmButton, ErrorList, useAction } from "../components";
import { policyErrorLine } from "../field-errors";
import { go, href } from "../router";

/** Policies that exist without text to edit. */
const FIXED = new Set(["root"]);

export function PoliciesPage({ name }: { name?: string }) {
  const [names, setNames] = useState<string[]>([]);
  const [status, setStatus] = useState("");
  const page = useAction();
  const load = () => page.run(async () => setNames(await list("sys/policies/acl")));
  useEffect(() => {
    void load();
  }, []);
  return (
    <>
      <h1>Policies</h1>
      <p role="status" class="status">
        {status}
      </p>
      <ErrorList errors={page.errors} />
      <div class="split">
        <nav aria-label="Policy list" class="list">
          <ul>
            {names.map((n) => (
              <li>
                <a href={href("policies", n)} aria-current={n === name ? "page" : undefined}>
                  {n}
                </a>
              </li>
            ))}
          </ul>
          <a href={href("policies")}>New policy</a>
        </nav>
        <PolicyEditor
          key={name ?? ""}
          name={name}
          onSaved={async (n) => {
            // Navigate first: the status is the last thing to change, so whoever waits for it sees a settled page.
            if (n !== name) go("policies", n);
            await load();
            setStatus(`Saved policy ${n}`);
          }}
          onDeleted={async (n) => {
            go("policies");
            await load();
            setStatus(`Deleted policy ${n}`);
          }}
        />
      </div>
    </>
  );
}

function PolicyEditor(props: { name?: string; onSaved: (name: string) => Promise<void>; onDeleted: (name: string) => Promise<void> }) {
  const [name, setName] = useState(props.name ?? "");
  const [text, setText] = useState("");
  const [readOnly, setReadOnly] = useState(false);
  const action = useAction();
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (!props.name) return;
    void action.run(async () => {
      const r = await read(`sys/policies/acl/${encodeURIComponent(props.name!)}`);
      setText(r.data?.policy ?? "");
      setReadOnly(FIXED.has(props.name!));
    });
  }, [props.name]);

  const lines = Math.max(1, text.split("\n").length);
  const errorLines = new Map<number, string>();
  for (const e of action.errors) {
    const line = policyErrorLine(e);
    if (line !== undefined && !errorLines.has(line)) errorLines.set(line, e);
  }
  const firstBad = [...errorLines.keys()].sort((a, b) => a - b)[0];

  const save = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const n = name.trim();
      if (n === "") throw new Error("A policy needs a name.");
      try {
        await write(`sys/policies/acl/${encodeURIComponent(n)}`, { policy: text });
      } catch (err) {
        // Put the cursor on the line the server names.
        if (err instanceof ApiError) {
          const line = err.errors.map(policyErrorLine).find((l) => l !== undefined);
          if (line !== undefined) placeCursor(area.current, text, line);
        }
        throw err;
      }
      await props.onSaved(n.toLowerCase());
    });
  };

  return (
    <form class="editor" onSubmit={save}>
      <div class="field">
        <label for="policy-name">Name</label>
        <input id="policy-name" value={name} readOnly={props.name !== undefined} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
      </div>
      <label for="policy-text">Policy</label>
      <div class="code">
        <ol class="gutter" aria-hidden="true" ref={gutter}>
          {Array.from({ length: lines }, (_, i) => (
            <li class={errorLines.has(i + 1) ? "bad" : undefined} title={errorLines.get(i + 1)}>
              {i + 1}
            </li>
          ))}
        </ol>
        <textarea
          id="policy-text"
          ref={area}
          rows={Math.max(12, lines + 1)}
          spellcheck={false}
          readOnly={readOnly}
          aria-invalid={action.errors.length > 0 ? true : undefined}
          aria-describedby={action.errors.length > 0 ? "policy-errors" : undefined}
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = (e.currentTarget as HTMLTextAreaElement).scrollTop;
          }}
        />
      </div>
      {action.errors.length > 0 ? (
        <div id="policy-errors" role="alert" class="error">
          {action.errors.map((e) => {
            const line = policyErrorLine(e);
            return <p>{line !== undefined ? `Line ${line}: ${e.replace(/^failed to parse policy: policy\.(hcl|json):[\d,-]+:\s*/, "")}` : e}</p>;
          })}
        </div>
      ) : null}
      {firstBad !== undefined ? <p class="hint">The first error is on line {firstBad}; the cursor is there.</p> : null}
      <p>
        <button type="submit" disabled={action.busy || readOnly}>
          Save
        </button>{" "}
        {props.name && props.name !== "default" && !readOnly ? (
          <ConfirmButton label={`Delete policy ${props.name}`} question={`Delete policy ${props.name}?`} onConfirm={() => action.run(async () => {
            await del(`sys/policies/acl/${encodeURIComponent(props.name!)}`);
            await props.onDeleted(props.name!);
          })} />
        ) : null}
      </p>
    </form>
  );
}

function placeCursor(area: HTMLTextAreaElement | null, text: string, line: number): void {
  if (!area) return;
  const lines = text.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}
