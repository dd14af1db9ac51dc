/** A log record's fields after its message, as `key=value`, muted. */
export function LogFields({ attributes }: { attributes: Record<string, string> | undefined }) {
  const entries = Object.entries(attributes ?? {});
  if (entries.length === 0) return null;
  return <span class="muted attrs"> {entries.map(([k, v]) => `${k}=${v}`).join(' ')}</span>;
}
