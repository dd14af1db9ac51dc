// Reads OTLP/JSON export requests (as the SDK sends them) into flat span and log objects.
// Used by the SDK tests' receiver.

export function anyValue(v) {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(anyValue);
  if ('kvlistValue' in v) return keyValues(v.kvlistValue.values);
  return undefined;
}

export function keyValues(list) {
  const out = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const nanoToMs = (n) => Number(BigInt(n ?? 0) / 1000n) / 1000;

/** Every span in a list of ExportTraceServiceRequest bodies. */
export function flattenSpans(bodies) {
  const out = [];
  for (const body of bodies)
    for (const rs of body.resourceSpans ?? []) {
      const resource = keyValues(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind,
            attrs: keyValues(s.attributes),
            resource,
            scope: ss.scope?.name,
            events: (s.events ?? []).map((e) => ({ name: e.name, attrs: keyValues(e.attributes) })),
            links: (s.links ?? []).map((l) => ({
              traceId: l.traceId,
              spanId: l.spanId,
              attrs: keyValues(l.attributes),
            })),
            status: s.status ?? {},
            startMs: nanoToMs(s.startTimeUnixNano),
            endMs: nanoToMs(s.endTimeUnixNano),
          });
    }
  return out;
}

/** Every log record in a list of ExportLogsServiceRequest bodies. */
export function flattenLogs(bodies) {
  const out = [];
  for (const body of bodies)
    for (const rl of body.resourceLogs ?? []) {
      const resource = keyValues(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? [])
        for (const r of sl.logRecords ?? [])
          out.push({
            traceId: r.traceId,
            spanId: r.spanId,
            severityText: r.severityText,
            severityNumber: r.severityNumber,
            body: r.body?.stringValue,
            attrs: keyValues(r.attributes),
            resource,
          });
    }
  return out;
}
