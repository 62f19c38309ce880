/** Labelled form controls: the label names the control, as every form of the console does. */
import type { ComponentChildren } from "preact";

interface Own {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
}

/** A text input with its label. */
export function TextField(
  { id, label, value, onValue, ...input }: Own & {
    class?: string;
    placeholder?: string;
    inputMode?: "numeric";
    spellcheck?: boolean;
    disabled?: boolean;
  },
) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} {...input} />
    </div>
  );
}

/** A select with its label; its options come as children. */
export function SelectField(
  { id, label, value, onValue, children }: Own & { children: ComponentChildren },
) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
        {children}
      </select>
    </div>
  );
}
