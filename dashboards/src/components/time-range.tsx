/**
 * The time-range picker shared by every page: a `since` duration in the URL. A value it does
 * not list (a `since` typed into the URL, or `''` for a start/end range) is shown as it is.
 */
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;

export function TimeRange({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const listed = (RANGES as readonly string[]).includes(value);
  return (
    <label class="range">
      Last{' '}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)} aria-label="Time range">
        {!listed && (
          <option value={value} disabled>
            {value || 'custom range'}
          </option>
        )}
        {RANGES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
}
