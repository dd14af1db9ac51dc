import type { CommonOptions, Result } from './lib/scenario.d.mts';
export function crashSoak(
  o: CommonOptions & { kills?: number; rate?: number; spansPerRequest?: number; minUpMs?: number; maxUpMs?: number },
): Promise<Result & { kills: number; cutOff: number; exit: { code: number | null; signal: string | null } }>;
