// Command-line options of the soak scripts: node's parseArgs, `-h`/`--help`, and the exit
// status 2 that a bad option gets, with the help text.

import { parseArgs } from 'node:util';

/** The values of `options` (parseArgs' spec) from argv; prints `help` and exits on -h or a bad option. */
export function parseCli(options, help) {
  let values;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (err) {
    console.error(`soak: ${err.message}\n\n${help}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(help);
    process.exit(0);
  }
  return values;
}

/** Option `name` of `values` as a positive number (an integer when `integer`); exits 2 otherwise. */
export function positive(values, name, integer) {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    console.error(`soak: --${name} must be a positive ${integer ? 'integer' : 'number'} (got ${values[name]})`);
    process.exit(2);
  }
  return n;
}
