import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, errorText } from "./api";
import { sortErrors } from "./field-errors";
import { type FieldSpec, formBody, inputValue } from "./schema";

export function ErrorList({ errors }: { errors: readonly string[] }) {
  if (errors.length === 0) return null;
  return (
    <div role="alert" class="error">
      {errors.map((e) => (
        <p>{e}</p>
      ))}
    </div>
  );
}

/** Runs an action, keeping its error for display; `busy` disables the buttons meanwhile. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const run = async (fn: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setErrors([]);
    try {
      await fn();
    } catch (e) {
      setErrors(e instanceof ApiError && e.errors.length > 0 ? e.errors : [errorText(e)]);
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, setErrors, run };
}

/** Asks before a destructive action: the action runs only after "Confirm". */
export function ConfirmButton(props: { label: string; question: string; onConfirm: () => Promise<void> | void; disabled?: boolean }) {
  const [asking, setAsking] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  // Keyboard users land on the harmless choice when the question appears.
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class="danger" disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span role="alertdialog" aria-label={props.question} class="confirm">
      <span>{props.question}</span>{" "}
      <button
        type="button"
        class="danger"
        onClick={async () => {
          setAsking(false);
          await props.onConfirm();
        }}
      >
        Confirm
      </button>{" "}
      <button type="button" ref={cancel} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/** A secret shown once: read-only, with a copy button; gone when the operator leaves the page. */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState<boolean | undefined>(undefined);
  const id = `secret-${label.replace(/\W+/g, "-").toLowerCase()}`;
  return (
    <div class="secret">
      <label for={id}>{label}</label>
      <input id={id} readOnly value={value} class="mono" onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
      <button
        type="button"
        onClick={async () => {
          setCopied(await copyText(value, id));
        }}
      >
        Copy {label}
      </button>
      <span role="status">{copied === undefined ? "" : copied ? "Copied" : "Select the text and copy it"}</span>
      <p class="hint">Shown once: it cannot be read again.</p>
    </div>
  );
}

/**
 * The Clipboard API exists only in secure contexts (https, or http on loopback); elsewhere the text is
 * selected so the operator can copy it by hand.
 */
async function copyText(value: string, inputId: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    (document.getElementById(inputId) as HTMLInputElement | null)?.select();
    return false;
  }
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** One generated input, labelled with its field name, its description and error tied to it. */
export function SchemaField(props: { field: FieldSpec; value: string | boolean; error?: string[]; idPrefix?: string; onInput: (v: string | boolean) => void }) {
  const f = props.field;
  const id = `${props.idPrefix ?? "field"}-${f.name}`;
  const describedBy = [f.description ? `${id}-desc` : "", props.error ? `${id}-error` : ""].filter((x) => x !== "").join(" ") || undefined;
  const common = { id, name: f.name, "aria-describedby": describedBy, "aria-invalid": props.error ? true : undefined, required: f.required };
  const placeholder = f.default !== undefined && f.default !== "" && !(Array.isArray(f.default) && f.default.length === 0) ? String(f.default) : f.format === "duration" ? "e.g. 1h" : "";
  let input;
  if (f.type === "boolean") {
    input = <input type="checkbox" {...common} checked={props.value === true} onChange={(e) => props.onInput((e.currentTarget as HTMLInputElement).checked)} />;
  } else if (f.enum) {
    input = (
      <select {...common} value={String(props.value)} onChange={(e) => props.onInput((e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{placeholder ? `(default: ${placeholder})` : "(default)"}</option>
        {f.enum.map((v) => (
          <option value={v}>{v}</option>
        ))}
      </select>
    );
  } else if (f.type === "object") {
    input = <textarea {...common} rows={2} placeholder='{"key": "value"} or key=value' value={String(props.value)} onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)} />;
  } else {
    input = (
      <input
        type="text"
        inputMode={f.type === "integer" ? "numeric" : undefined}
        autoComplete="off"
        spellcheck={false}
        {...common}
        placeholder={f.type === "array" ? "comma-separated" + (placeholder ? ` (default: ${placeholder})` : "") : placeholder}
        value={String(props.value)}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    );
  }
  return (
    <div class={props.error ? "field invalid" : "field"}>
      <label for={id} class="mono">
        {f.name}
      </label>
      <span class="type">{f.format ?? f.type}</span>
      {input}
      {f.description ? (
        <small id={`${id}-desc`} class="hint">
          {f.description}
        </small>
      ) : null}
      {props.error ? (
        <small id={`${id}-error`} class="field-error">
          {props.error.join("; ")}
        </small>
      ) : null}
    </div>
  );
}

/**
 * A form generated from field schemas. Only touched fields are sent; the server's validation
 * errors come back at the field they name (the rest above the Save button).
 */
export function SchemaForm(props: {
  fields: readonly FieldSpec[];
  initial?: Record<string, unknown>;
  submitLabel?: string;
  /** Element ids of the inputs ("field" by default): a second form on one page needs its own. */
  idPrefix?: string;
  onSubmit: (body: Record<string, unknown>) => Promise<void>;
  children?: ComponentChildren;
}) {
  const shown = props.fields.filter((f) => !f.deprecated);
  const [values, setValues] = useState<Record<string, string | boolean>>(() => Object.fromEntries(shown.map((f) => [f.name, inputValue(f, props.initial?.[f.name] ?? (f.type === "boolean" ? f.default : undefined))])));
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const action = useAction();
  const sorted = sortErrors(
    action.errors,
    shown.map((f) => f.name),
  );
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(() => props.onSubmit(formBody(shown, values, touched)));
  };
  return (
    <form onSubmit={submit} noValidate>
      {props.children}
      {shown.map((f) => (
        <SchemaField
          field={f}
          value={values[f.name] ?? ""}
          error={sorted.byField[f.name]}
          idPrefix={props.idPrefix}
          onInput={(v) => {
            setValues({ ...values, [f.name]: v });
            setTouched(new Set(touched).add(f.name));
          }}
        />
      ))}
      <ErrorList errors={sorted.general} />
      <button type="submit" disabled={action.busy}>
        {props.submitLabel ?? "Save"}
      </button>
    </form>
  );
}
