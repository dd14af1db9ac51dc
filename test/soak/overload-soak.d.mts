import type { CommonOptions, Result } from './lib/scenario.d.mts';
export function overloadSoak(
  o: CommonOptions & {
    durationMs?: number;
    capacity?: number;
    factor?: number;
    spoolMaxBytes?: number;
    engineMaxMemoryBytes?: number;
    everyMs?: number;
  },
): Promise<
  Result & {
    withoutRetryAfter: number;
    rssBoundBytes: number;
    memory: { peakRssBytes: number };
    readyAfter: number;
    freshStatus: number;
  }
>;
