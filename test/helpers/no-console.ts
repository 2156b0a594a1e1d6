// The product logs through its injected logger; a test (or code under test) that writes to
// the console fails, as in zod's own test setup.
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[method] = (...args: unknown[]) => {
    throw new Error(`console.${method} called: ${args.map(String).join(' ').slice(0, 200)}`);
  };
}
