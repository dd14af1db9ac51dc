import type { CommonOptions, Figure } from './lib/scenario.d.mts';
export interface FuzzFailure {
  what: 'otlp' | 'api';
  method: string;
  url: string;
  kind: string;
  status: number;
  answer: string;
}
export function fuzzSoak(
  o: CommonOptions & { bodies?: number; perParameter?: number; seed?: number; failuresDir?: string },
): Promise<{
  figures: Figure[];
  bodies: number;
  apiRequests: number;
  otlp: { byStatus: Record<string, number>; fiveHundreds: number };
  api: { byStatus: Record<string, number>; fiveHundreds: number; operations: number; parameters: number };
  ready: { checks: number; notReady: number };
  alive: boolean;
  after: { readableMs: number; traceId: string };
  exit: { code: number | null; signal: string | null };
  failures: FuzzFailure[];
}>;
