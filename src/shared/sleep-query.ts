// What `/sleep?ms=N` accepts: the book server's route reads it, and the app's load and sweep forms, which only
// ever send to that server, refuse a mix it would answer 400 to every time.

export const MAX_SLEEP_OVERRIDE_MS = 60_000;

/**
 * Parses `?ms=N` on /sleep (the query without its `?`); null when absent, a string error when invalid or given
 * more than once (which one was meant cannot be known, so neither is guessed).
 */
export function sleepOverrideMs(query: string): number | null | string {
  let sleepMs: number | null = null;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key !== 'ms') continue;
    const value = eq === -1 ? '' : pair.slice(eq + 1);
    if (!/^\d{1,5}$/.test(value) || Number(value) > MAX_SLEEP_OVERRIDE_MS) {
      return `ms must be a whole number of milliseconds from 0 to ${MAX_SLEEP_OVERRIDE_MS} (got "${value}")`;
    }
    if (sleepMs !== null) return 'ms is given more than once; give it once';
    sleepMs = Number(value);
  }
  return sleepMs;
}
