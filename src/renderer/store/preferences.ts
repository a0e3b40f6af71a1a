// How the person likes to see the page, kept apart from what the server says: the book's terms shown or not
// (remembered across reloads) and presentation mode (from `?present=1`, kept in the address so a reload keeps it).
// DOM-free: the storage and the address are passed in, so tests need no browser.

export interface Preferences {
  /** Captions and tooltips in the book's words (`recv()`, `mpsc`, `join`). On unless turned off. */
  showBookTerms: boolean;
  /** Larger type, the timeline taking the free height, compact controls: for a projector. */
  isPresenting: boolean;
}

export const DEFAULT_PREFERENCES: Preferences = { showBookTerms: true, isPresenting: false };

/** The storage key of the book's-terms choice; its value is "on" or "off". */
export const BOOK_TERMS_STORAGE_KEY = 'poolscope.bookTerms';
/** The address's query parameter that turns presentation mode on (`?present=1`). */
export const PRESENT_PARAM = 'present';

/** The part of the Web Storage API used here. */
export interface PreferenceStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The preferences a page opens with: the stored book's-terms choice, and presentation mode from the query. */
export function loadPreferences(storage: PreferenceStorage | null, search: string): Preferences {
  let stored: string | null = null;
  try {
    stored = storage?.getItem(BOOK_TERMS_STORAGE_KEY) ?? null;
  } catch {
    // Storage can be off (a privacy setting); the default then holds for this page.
  }
  const present = new URLSearchParams(search).get(PRESENT_PARAM);
  return {
    showBookTerms: stored === null ? DEFAULT_PREFERENCES.showBookTerms : stored === 'on',
    isPresenting: present === '1' || present === 'true' || present === '',
  };
}

export function saveBookTerms(storage: PreferenceStorage | null, showBookTerms: boolean): void {
  try {
    storage?.setItem(BOOK_TERMS_STORAGE_KEY, showBookTerms ? 'on' : 'off');
  } catch {
    // Not remembered; nothing else depends on it.
  }
}

/** The query string with presentation mode set or cleared, other parameters kept. */
export function searchWithPresenting(search: string, isPresenting: boolean): string {
  const params = new URLSearchParams(search);
  if (isPresenting) params.set(PRESENT_PARAM, '1');
  else params.delete(PRESENT_PARAM);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
