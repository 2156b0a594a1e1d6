import type { Command } from './command.js';
import { event, events, quarantine, replay } from './event-commands.js';
import { forwardSource } from './forward-source-command.js';
import { cancel, customer } from './operating-commands.js';
import { report } from './report-command.js';
import { serve } from './serve-command.js';

// Every command, in the order the usage lists them; each lives in the file of its group.

export { type CliContext, type Command, UsageError } from './command.js';

export const COMMANDS: readonly Command[] = [
  serve,
  report,
  replay,
  events,
  event,
  customer,
  cancel,
  quarantine,
  forwardSource,
];
