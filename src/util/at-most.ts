/**
 * Waits for `work` to settle, but no longer than `ms`: a stop's grace period. Never rejects
 * (a failure of the work is its owner's to report), and its timer is released as soon as the
 * work settles, so a quick stop leaves no timer behind, and none keeps the process alive.
 * Says whether the work settled in time.
 */
export function atMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
