#!/usr/bin/env node
import { applyRunHeapFlags } from './heap.js';
import { installSignalHub } from './signals.js';

// `run` replaces this process with one that has the loop's V8 heap sizing (see heap.ts), before
// anything else happens; every other verb, or an operator's own heap flags, go on as they are.
applyRunHeapFlags();

// Signals first: a SIGTERM while the CLI loads (a second or two on a cold start) must print one
// line and exit 143, not kill the process silently. Everything else is loaded after.
const signals = installSignalHub();
const { nodeIo } = await import('./io.js');
const { main } = await import('./main.js');
const code = await main(process.argv.slice(2), nodeIo(signals));
signals.finished(code);
process.exitCode = code;
if (code === 130 || code === 143) {
  // Stopped by a signal: the operator (or the orchestrator's grace period) waits on us. All is
  // closed and acknowledged; once the output is flushed, exit without waiting for leaked handles.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
// Everything is closed and acknowledged by now; a handle some client library leaked must not
// keep a finished run alive. The timer is unref'd, so a clean exit is not delayed.
setTimeout(() => process.exit(code), 2000).unref();
