import { useState } from 'preact/hooks';
import { shortId } from '../format.js';

/**
 * A short id as people read it (its first 8 digits), with a button that copies the whole id:
 * every API route and box that takes a trace id takes the full one, or a unique prefix. The
 * short id is a link when `href` is given; its tooltip is the full id either way.
 */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard API (a page not served from a secure context): the selection way
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Two overlapping sheets (drawn: the system fonts have no glyph for it everywhere). */
const CopyIcon = () => (
  <svg width="11" height="11" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
    <rect x="5" y="5" width="9" height="9" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.6" />
    <path
      d="M11 3.5V3a1 1 0 0 0-1-1H3a1 1 0 0 0-1 1v7a1 1 0 0 0 1 1h.5"
      fill="none"
      stroke="currentColor"
      stroke-width="1.6"
    />
  </svg>
);

/** The button alone, beside an id shown whole. */
export function CopyButton({ id, kind }: { id: string; kind: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="copy"
      aria-label={`Copy ${kind} id ${id}`}
      title={copied ? 'Copied' : `Copy ${kind} id ${id}`}
      data-copied={copied || undefined}
      onClick={(e) => {
        e.stopPropagation();
        void copyText(id).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      {copied ? '✓' : <CopyIcon />}
    </button>
  );
}

export function CopyId({
  id,
  kind,
  href,
  label,
}: {
  id: string;
  /** What the id is of, for the button's label: `trace`, `span`, `invocation`. */
  kind: string;
  href?: string;
  /** Text before the short id inside the link, e.g. `trace ` or `from `. */
  label?: string;
}) {
  const text = `${label ?? ''}${shortId(id)}`;
  return (
    <span class="copy-id">
      {href ? (
        <a href={href} title={id}>
          {text}
        </a>
      ) : (
        <code title={id}>{text}</code>
      )}
      <CopyButton id={id} kind={kind} />
    </span>
  );
}
