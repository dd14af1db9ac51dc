import { type Baggage, type BaggageEntry, baggageEntryMetadataFromString, propagation } from '@opentelemetry/api';

/**
 * W3C Baggage (https://www.w3.org/TR/baggage/) header parsing and formatting:
 * `key1=value1;prop,key2=value2`, values percent-encoded. Limits from the spec:
 * at most 64 members and 8192 bytes in total.
 */
const MAX_MEMBERS = 64;
const MAX_BYTES = 8192;

export function parseBaggage(header: string | undefined): Baggage | undefined {
  if (typeof header !== 'string' || header.length === 0) return undefined;
  const entries: Record<string, BaggageEntry> = {};
  let n = 0;
  for (const member of header.split(',')) {
    if (n >= MAX_MEMBERS) break;
    const [pair, ...props] = member.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    if (!key) continue;
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      continue;
    }
    const entry: BaggageEntry = { value };
    if (props.length > 0) entry.metadata = baggageEntryMetadataFromString(props.join(';'));
    entries[key] = entry;
    n++;
  }
  return n > 0 ? propagation.createBaggage(entries) : undefined;
}

export function formatBaggage(baggage: Baggage): string {
  const parts: string[] = [];
  let bytes = 0;
  for (const [key, entry] of baggage.getAllEntries()) {
    if (parts.length >= MAX_MEMBERS) break;
    let part = `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}`;
    const meta = entry.metadata?.toString();
    if (meta) part += `;${meta}`;
    if (bytes + part.length + 1 > MAX_BYTES) break;
    bytes += part.length + 1;
    parts.push(part);
  }
  return parts.join(',');
}
