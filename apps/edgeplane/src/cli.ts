#!/usr/bin/env node
import { nodeIo } from './io.js';
import { main } from './main.js';

const code = await main(process.argv.slice(2), nodeIo());
process.exitCode = code;
// Everything is closed and acknowledged by now; a handle some client library leaked must not
// keep a finished run alive. The timer is unref'd, so a clean exit is not delayed.
setTimeout(() => process.exit(code), 2000).unref();
