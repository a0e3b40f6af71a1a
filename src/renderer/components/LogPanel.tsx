// The book's log lines ("Worker 0 got a job; executing."), newest at the bottom. The scroller is a
// column-reverse flex box, so the browser keeps it pinned to the end as lines arrive (and leaves it
// alone when the person scrolls up) without reading layout from script on every update.

import { memo, type ReactNode } from 'react';
import type { LogLine } from '../../shared/pool-model';
import { useAppStore } from '../store/use-app-store';
import { formatClockTime } from './format';

const LogRow = memo(function LogRow({ line }: { line: LogLine }): ReactNode {
  const clock = formatClockTime(line.at);
  return (
    <li>
      <time title={clock}>{clock.slice(0, 8)}</time>
      <span>{line.text}</span>
    </li>
  );
});

/** Keys that survive the list sliding forward: the line's time and words, numbered when they repeat. */
function keysOf(lines: LogLine[]): string[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const base = `${line.at}|${line.text}`;
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}|${count}`;
  });
}

export function LogPanel(): ReactNode {
  const lines = useAppStore((s) => s.wire.log);
  const keys = keysOf(lines);
  return (
    <section className="panel log-panel" aria-label="Log">
      <div className="panel-head">
        <h2>Log</h2>
      </div>
      <div className="log-scroller">
        <ol className="log" data-testid="log">
          {lines.map((line, index) => (
            <LogRow key={keys[index]} line={line} />
          ))}
        </ol>
      </div>
    </section>
  );
}
