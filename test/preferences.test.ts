// The person's view preferences: the book's terms are on unless turned off and the choice is remembered;
// presentation mode comes from `?present=1` and goes back into the address; storage that refuses changes nothing.

import { describe, expect, it } from 'vitest';
import { createAppStore } from '../src/renderer/store/app-store';
import {
  BOOK_TERMS_STORAGE_KEY,
  loadPreferences,
  type PreferenceStorage,
  saveBookTerms,
  searchWithPresenting,
} from '../src/renderer/store/preferences';
import type { PoolscopeApi } from '../src/shared/wire';

function memoryStorage(): PreferenceStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

const refusingStorage: PreferenceStorage = {
  getItem: () => {
    throw new Error('SecurityError');
  },
  setItem: () => {
    throw new Error('QuotaExceededError');
  },
};

describe('preferences', () => {
  it("show the book's terms by default, and remember turning them off and on", () => {
    const storage = memoryStorage();
    expect(loadPreferences(storage, '')).toEqual({ showBookTerms: true, isPresenting: false });
    saveBookTerms(storage, false);
    expect(storage.items.get(BOOK_TERMS_STORAGE_KEY)).toBe('off');
    expect(loadPreferences(storage, '').showBookTerms).toBe(false);
    saveBookTerms(storage, true);
    expect(loadPreferences(storage, '').showBookTerms).toBe(true);
  });

  it('turn presentation mode on from ?present=1, and write it back into the address', () => {
    expect(loadPreferences(null, '?present=1').isPresenting).toBe(true);
    expect(loadPreferences(null, '?present=0').isPresenting).toBe(false);
    expect(searchWithPresenting('', true)).toBe('?present=1');
    expect(searchWithPresenting('?x=2&present=1', false)).toBe('?x=2');
    expect(searchWithPresenting('?present=1', false)).toBe('');
  });

  it('fall back to the defaults when storage refuses', () => {
    expect(loadPreferences(refusingStorage, '').showBookTerms).toBe(true);
    expect(() => saveBookTerms(refusingStorage, false)).not.toThrow();
  });

  it('reach the store, which changes them through its view actions', () => {
    const store = createAppStore({ api: {} as PoolscopeApi, preferences: { showBookTerms: false, isPresenting: true } });
    expect(store.getState().view).toMatchObject({ showBookTerms: false, isPresenting: true });
    store.getState().viewActions.setShowBookTerms(true);
    store.getState().viewActions.setPresenting(false);
    expect(store.getState().view).toMatchObject({ showBookTerms: true, isPresenting: false });
  });
});
