// A Chromium for pages whose cost is measured (bench:ui, page-census, viewer-gap): launched so that the page is never
// throttled as a background one, and its renderers' main-thread CPU read from the kernel's per-thread account; and the
// wait for the dashboard's book server to answer before a page is opened on it.

import { readFileSync } from 'node:fs';
import { type Browser, chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_EXECUTABLE } from '../test/support/chromium';
import { httpGet } from '../test/support/http-client';

/** How long the book server started with the dashboard may take to answer GET / with 200. */
const BOOK_SERVER_START_TIMEOUT_MS = 30_000;
const BOOK_SERVER_POLL_MS = 100;

/** Resolves once the book server on `bookPort` answers GET / with 200; throws after BOOK_SERVER_START_TIMEOUT_MS. */
export async function waitForBookServer(bookPort: number): Promise<void> {
  const deadline = Date.now() + BOOK_SERVER_START_TIMEOUT_MS;
  while ((await httpGet(bookPort, '/').catch(() => null))?.status !== 200) {
    if (Date.now() > deadline) throw new Error('the book server did not start');
    await new Promise((resolve) => setTimeout(resolve, BOOK_SERVER_POLL_MS));
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_EXECUTABLE,
    // A page that is measured must not be throttled as a background one.
    args: [...CHROMIUM_ARGS, '--disable-renderer-backgrounding', '--disable-background-timer-throttling'],
  });
}

/**
 * A thread's name (the kernel's, cut to 15 characters) and the CPU s it has used (utime + stime, in clock ticks of
 * 10 ms), from the text of its /proc/PID/task/TID/stat.
 */
export function threadStatOf(stat: string): { name: string; cpuS: number } {
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), cpuS: (Number(fields[11]) + Number(fields[12])) / 100 };
}

/** CPU s a process's main thread has used (/proc/PID/task/PID/stat); NaN where unreadable. */
export function mainThreadCpuS(pid: number): number {
  try {
    return threadStatOf(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')).cpuS;
  } catch {
    return Number.NaN;
  }
}
