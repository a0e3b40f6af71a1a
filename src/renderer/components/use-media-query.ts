// Whether a CSS media query matches, kept current as the window resizes: for layout decisions CSS alone cannot make
// (how many worker cards a projector's row holds decides which card markup to render).
import { useSyncExternalStore } from 'react';

export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => window.matchMedia(query).matches,
  );
}
