import type { ServiceList } from '../view-model/types.js';
import { useApi } from './use-api.js';

/** The services seen in the time range, as a filter: `''` is any service. */
export function ServiceSelect({
  range,
  value,
  onChange,
}: {
  /** The time range as a query string (`since=1h`, or `start=…&end=…`). */
  range: string;
  value: string;
  onChange: (service: string) => void;
}) {
  const services = useApi<ServiceList>('services', range);
  const known = services.data?.services.map((s) => s.service) ?? [];
  return (
    <label>
      Service
      <select name="service" value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">any</option>
        {/* a service from the URL that has no spans in this range stays selectable */}
        {value && !known.includes(value) && <option value={value}>{value}</option>}
        {known.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
