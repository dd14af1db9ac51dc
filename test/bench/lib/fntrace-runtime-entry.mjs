// esbuild entry: the fntrace SDK from source, plus the set-up hooks a bench needs to swap
// the HTTP transport for an in-memory one (initSdk before the first wrap() wins).

export { lambdaPlatform } from '../../../sdk/src/adapters/aws-lambda/platform.ts';
export { droppedCounts } from '../../../sdk/src/core/diagnostics.ts';
export { currentSdk, initSdk } from '../../../sdk/src/core/setup.ts';
export { logger, wrap } from '../../../sdk/src/index.ts';
