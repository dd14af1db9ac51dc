// Types for what the TypeScript tests use of the soak's scenarios (test/soak/*-soak.mjs).
export interface Figure {
  what: string;
  value: string;
  goal: string;
  /** true, false, undefined (no goal) or 'short' (a size a shortened run did not reach) */
  met?: boolean | 'short';
}
/** What test/soak/lib/stored-ids.mjs's `tally` finds in the store. */
export interface Counts {
  ackedRequests: number;
  ackedSpans: number;
  storedRows: number;
  storedDistinct: number;
  lost: number;
  duplicated: number;
  foreign: number;
  unackedStoredRequests: number;
  unackedPartialRequests: number;
}
export interface CommonOptions {
  /** the collector's data directory (empty) */
  dataDir: string;
  log?: (line: string) => void;
}
export interface Result {
  figures: Figure[];
  counts: Counts;
  statuses: Record<string, number>;
}
export function figure(what: string, value: string, goal: string, met?: boolean | 'short'): Figure;
