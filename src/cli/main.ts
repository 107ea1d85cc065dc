#!/usr/bin/env node
// The `redis-shm` executable: wires process I/O and signals to run().
import { run } from './run.js';

const ctl = new AbortController();
let signals = 0;
const onSignal = (): void => {
  // First signal: stop gracefully (tear down servers, print results). Second: give up.
  if (++signals > 1) process.exit(130);
  ctl.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: ctl.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
