// `@fntrace/sdk/fetch` as Node resolves it (the `node` export condition).
import { logger, wrap } from '../../../../sdk/src/fetch-node.js';
import { serve } from './serve.js';

serve(wrap, logger);
