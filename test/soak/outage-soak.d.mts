import type { CommonOptions, Result } from './lib/scenario.d.mts';
export function outageSoak(
  o: CommonOptions & {
    startClickHouse: () => Promise<{
      url: string;
      fail(n: number, how: 'reset' | '503'): void;
      close(): Promise<void>;
    }>;
    outageMs?: number;
    beforeMs?: number;
    afterMs?: number;
    rate?: number;
    spoolMaxBytes?: number;
    everyMs?: number;
  },
): Promise<
  Result & {
    ackedIn: { before: number; outage: number; after: number };
    storageErrors: number;
    readyAfter: number;
    withoutRetryAfter: number;
  }
>;
