// Whether a CSS media query matches, kept current as the window resizes: for layout decisions CSS alone cannot make
// (how many worker cards a projector's row holds decides which card markup to render).
import { useCallback, useMemo, useSyncExternalStore } from 'react';

export function useMediaQuery(query: string): boolean {
  // One list per query, and a subscribe that keeps its identity: React would otherwise resubscribe on every render.
  const list = useMemo(() => window.matchMedia(query), [query]);
  const subscribe = useCallback(
    (onChange: () => void) => {
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [list],
  );
  return useSyncExternalStore(subscribe, () => list.matches);
}
