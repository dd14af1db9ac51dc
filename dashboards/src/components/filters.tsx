import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

/**
 * A page's filter form. On a phone it folds behind a Filters button that says how many
 * filters are set, so the results are on the first screen; on a wider screen the button is
 * not shown and the form always is (styles.css).
 */
export function Filters({
  label,
  set,
  onSubmit,
  children,
}: {
  label: string;
  /** How many filters are set (shown on the folded button). */
  set: number;
  onSubmit?: (e: Event) => void;
  children: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  return (
    <form class={`filters${open ? ' open' : ''}`} onSubmit={onSubmit} aria-label={label}>
      <button type="button" class="filters-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? 'Hide filters' : `Filters${set ? ` (${set} set)` : ''}`}
      </button>
      {children}
    </form>
  );
}
