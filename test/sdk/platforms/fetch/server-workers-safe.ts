// `@fntrace/sdk/fetch` as workerd, Deno and edge bundlers resolve it, here running on Node.
import { logger, wrap } from '../../../../sdk/src/fetch.js';
import { serve } from './serve.js';

serve(wrap, logger);
