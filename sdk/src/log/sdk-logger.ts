import { consoleLogger } from './console-logger.js';

/**
 * Which logger writes the SDK's own lines (the timeout guard's `fatal` line naming the spans
 * still open). The core must not import pino — it does not load in workerd — so the Node
 * logger registers itself here when its module loads, and until then (an entry that never
 * loads it, such as `@fntrace/sdk/cloudflare`) the console logger writes the same line.
 */
export interface SdkLineWriter {
  fatal(obj: Record<string, unknown>, msg: string): void;
}

let writer: SdkLineWriter | undefined;

export function setSdkLogger(next: SdkLineWriter): void {
  writer = next;
}

export function sdkLogger(): SdkLineWriter {
  return writer ?? consoleLogger;
}
