#!/usr/bin/env node
// The command-line entry. It checks the Node.js line before anything else is loaded: on an
// unsupported Node the SQLite driver would crash the process instead of explaining itself.
import { unsupportedNode } from './ops/node-support.js';

const unsupported = unsupportedNode(process.version);
if (unsupported) {
  process.stderr.write(`faceauth-shim: ${unsupported}\n`);
  process.exit(2);
}
const { cli, PROCESS_CONTEXT, quietOnClosedPipe } = await import('./cli/main.js');
const args = process.argv.slice(2);
if ((args[0] ?? 'serve') !== 'serve') quietOnClosedPipe(process.stdout);
process.exitCode = await cli(args, PROCESS_CONTEXT);
