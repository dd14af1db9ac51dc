// What the cold-start benches (sdk-coldstart, sdk-gcp, sdk-azure) share: a bundle's sizes,
// samples taken with the variants alternating, and each variant's load-time figures.

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fmt, median, quantile, round, textTable } from './common.mjs';

/** A bundle written by esbuild: its path, bytes and gzipped bytes. */
export function bundleSizes(file) {
  const bytes = readFileSync(file);
  return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes).length };
}

/**
 * `runs` samples of each variant, after `warmup` rounds that are thrown away. The variants
 * alternate, and the one that goes first rotates each round, so a drift in the machine's speed
 * touches them all alike. Prints `label` and a dot every five rounds.
 */
export async function alternating(label, variants, { runs, warmup }, sampleOne) {
  const samples = Object.fromEntries(variants.map((v) => [v, []]));
  process.stdout.write(`  ${label} `);
  for (let run = -warmup; run < runs; run++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + Math.max(run, 0)) % variants.length];
      const sample = await sampleOne(v);
      if (run >= 0) samples[v].push(sample);
    }
    if (run >= 0 && run % 5 === 4) process.stdout.write('.');
  }
  process.stdout.write('\n');
  return samples;
}

/** Median, p90 and minimum of one variant's load times (ms), with its bundle's sizes. */
export function loadStats(times, built) {
  const ms = (n) => round(n, 3);
  return {
    medianMs: ms(median(times)),
    p90Ms: ms(quantile(times, 0.9)),
    minMs: ms(Math.min(...times)),
    bytes: built.bytes,
    gzipBytes: built.gzipBytes,
    samplesMs: times.map(ms),
  };
}

/** fntrace's figures over a peer's: load median, p90, net of a bare bundle, bytes and gzip. */
export function loadRatios(fntrace, peer, bare) {
  const ratio = (a, b) => round(a / b, 3);
  return {
    ratio: ratio(fntrace.medianMs, peer.medianMs),
    ratioP90: ratio(fntrace.p90Ms, peer.p90Ms),
    ratioNetOfBare: ratio(fntrace.medianMs - bare.medianMs, peer.medianMs - bare.medianMs),
    ratioBytes: ratio(fntrace.bytes, peer.bytes),
    ratioGzipBytes: ratio(fntrace.gzipBytes, peer.gzipBytes),
  };
}

/** Each variant's load median and p90 and its bundle's sizes, as a text table. */
export function loadTable(variants, labels, stats) {
  return textTable(
    ['variant', 'median ms', 'p90 ms', 'bundle bytes', 'gzip bytes'],
    variants.map((v) => [
      labels[v],
      fmt(stats[v].medianMs),
      fmt(stats[v].p90Ms),
      stats[v].bytes.toLocaleString('en-US'),
      stats[v].gzipBytes.toLocaleString('en-US'),
    ]),
  );
}
