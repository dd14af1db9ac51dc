/** The time-range picker shared by every page: a `since` duration in the URL. */
export const RANGES = ['15m', '1h', '6h', '24h', '7d'] as const;

export function TimeRange({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  return (
    <label class="range">
      Last{' '}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)} aria-label="Time range">
        {RANGES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
    </label>
  );
}
