// The book's log lines ("Worker 0 got a job; executing."), newest at the bottom. The scroller is a
// column-reverse flex box, so the browser keeps it pinned to the end as lines arrive (and leaves it
// alone when the person scrolls up) without reading layout from script on every update.

import { memo, type ReactNode, type RefObject, useEffect, useRef, useState } from 'react';
import type { LogLine } from '../../shared/pool-model';
import { useAppStore } from '../store/use-app-store';
import { BookTerm } from './book-terms';
import { formatClockTime, formatCount } from './format';

const LogRow = memo(function LogRow({ line }: { line: LogLine }): ReactNode {
  const clock = formatClockTime(line.at);
  return (
    <li>
      <time dateTime={new Date(line.at).toISOString()}>{clock}</time>
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

/**
 * Whether the scroller's content overflows it: then the keyboard needs a way in to scroll it. Watched with
 * a ResizeObserver on the scroller and its content, so nothing reads layout on each update of the log.
 */
function useIsScrollable(scrollerRef: RefObject<HTMLElement | null>): boolean {
  const [isScrollable, setIsScrollable] = useState(false);
  useEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const observer = new ResizeObserver(() => setIsScrollable(scroller.scrollHeight > scroller.clientHeight));
    observer.observe(scroller);
    for (const child of scroller.children) observer.observe(child);
    return () => observer.disconnect();
  }, [scrollerRef]);
  return isScrollable;
}

export function LogPanel(): ReactNode {
  const lines = useAppStore((s) => s.wire.log);
  const omittedCount = useAppStore((s) => s.wire.omittedLogLines);
  const keys = keysOf(lines);
  const scrollerRef = useRef<HTMLElement>(null);
  const isScrollable = useIsScrollable(scrollerRef);
  return (
    <section className="panel log-panel" aria-label="Log">
      <div className="panel-head">
        <h2>Log</h2>
        {omittedCount > 0 && (
          <span
            className="muted"
            data-testid="log-omitted"
            data-omitted-lines={omittedCount}
            title="Lines that came faster than the log shows them: the newest of each moment are kept, the rest only counted"
          >
            {formatCount(omittedCount)} more left out
          </span>
        )}
      </div>
      <BookTerm place="log" />
      {/* A tab stop once there is something to scroll, so keyboard users can scroll back through the log too. */}
      <section ref={scrollerRef} className="log-scroller" aria-label="Log lines" tabIndex={isScrollable ? 0 : undefined}>
        <ol className="log" data-testid="log">
          {lines.map((line, index) => (
            <LogRow key={keys[index]} line={line} />
          ))}
        </ol>
      </section>
    </section>
  );
}
