import { readFileSync } from 'node:fs';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { invalidOption } from '../errors.js';

/**
 * A YAML (or JSON) file named by an option (`--alert-rules`, `--prices`), read for validation
 * at start-up: `fail(pointer, message)` stops start-up with the option, the file and the line
 * of the node the JSON pointer names (or of its nearest parent), e.g.
 * `option --prices: prices.yaml:4: /prices/0/gbSecondUsd: must be >= 0 (got -1)`.
 */
export interface YamlFile {
  doc: Document;
  /** The document as plain data. */
  data: unknown;
  fail(pointer: string | undefined, message: string): never;
}

/** A file an option names (`--tls-cert`, `--prices`, …), or an error that names the option and the file. */
export function readOptionFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw invalidOption(flag, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function readYamlFile(path: string, flag: string): YamlFile {
  return parseYamlText(readOptionFile(path, flag).toString('utf8'), path, flag);
}

export function parseYamlText(text: string, name: string, flag: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const failAt = (offset: number | undefined, message: string): never => {
    const line = offset === undefined ? 1 : lines.linePos(offset).line;
    throw invalidOption(flag, `${name}:${line}: ${message}`);
  };
  if (doc.errors.length > 0) failAt(doc.errors[0]!.pos[0], `not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  return {
    doc,
    data: doc.toJS(),
    fail(pointer, message) {
      // the YAML node the pointer names, or its nearest parent, for its line
      const parts = (pointer ?? '').split('/').filter(Boolean);
      const nodeAt = () =>
        doc.getIn(
          parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
          true,
        ) as { range?: number[] } | undefined;
      let node = parts.length > 0 ? nodeAt() : (doc.contents as { range?: number[] } | null);
      while (!node && parts.length > 0) {
        parts.pop();
        node = parts.length > 0 ? nodeAt() : (doc.contents as { range?: number[] } | null);
      }
      return failAt(pointer === undefined ? undefined : node?.range?.[0], message);
    },
  };
}
