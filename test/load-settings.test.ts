// The load and sweep settings validator the command line and the UI's forms share: every refusal is one
// readable sentence that names its field, and nothing is resolved or connected to while checking.

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOAD_SETTINGS,
  formatMix,
  isLoopbackHost,
  parseMix,
  parseWorkerCounts,
  poolscopeMixRefusal,
  validateLoadSettings,
  validateLoopbackUrl,
  validateSweepSettings,
  withSeed,
} from '../src/shared/load-settings';

describe('the target URL', () => {
  it.each([
    ['http://127.0.0.1:7878', 'http://127.0.0.1:7878'],
    ['http://localhost:7878/', 'http://localhost:7878'],
    ['HTTP://LOCALHOST:8080', 'http://localhost:8080'],
    ['http://[::1]:7878', 'http://[::1]:7878'],
    ['http://127.1.2.3', 'http://127.1.2.3'],
    // The URL standard's other IPv4 spellings of 127.0.0.1 are the same loopback address.
    ['http://0x7f.1:7878', 'http://127.0.0.1:7878'],
    ['http://2130706433:7878', 'http://127.0.0.1:7878'],
    ['  http://127.0.0.1:7878  ', 'http://127.0.0.1:7878'],
  ])('accepts %s as %s', (text, origin) => {
    expect(validateLoopbackUrl(text)).toEqual({ ok: true, value: origin });
  });

  it.each([
    ['http://10.0.0.1:7878', /loopback/],
    ['http://192.168.1.10', /loopback/],
    ['http://example.com', /loopback/],
    // A name that merely starts like a loopback address is a name, and names other than localhost are refused unresolved.
    ['http://127.0.0.1.nip.io', /loopback/],
    ['http://localhost.localdomain', /loopback/],
    ['http://[::2]:7878', /loopback/],
    ['http://0.0.0.0:7878', /loopback/],
    ['https://127.0.0.1:7878', /must start with http:\/\//],
    ['ftp://127.0.0.1', /must start with http:\/\//],
    ['127.0.0.1:7878', /not a valid URL; write it like http:\/\/127\.0\.0\.1:7878/],
    ['not a url', /not a valid URL/],
    ['http://', /not a valid URL/],
    ['', /^URL is empty/],
    ['http://user:secret@127.0.0.1', /user name or password/],
    ['http://127.0.0.1:7878/sleep', /put paths in the mix/],
    ['http://127.0.0.1:7878/?x=1', /put paths in the mix/],
  ])('refuses %s', (text, reason) => {
    const result = validateLoopbackUrl(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('knows the loopback host names as written in URLs', () => {
    expect(['localhost', '127.0.0.1', '127.255.255.254', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(['128.0.0.1', '127.0.0.256', '::1', 'localhost.', '1.127.0.0'].some(isLoopbackHost)).toBe(false);
  });
});

describe('the request mix', () => {
  it('reads PATH:WEIGHT entries, the weight after the last colon', () => {
    expect(parseMix('/:0.9,/sleep?ms=50:0.1')).toEqual({
      ok: true,
      value: [
        { path: '/', weight: 0.9 },
        { path: '/sleep?ms=50', weight: 0.1 },
      ],
    });
    expect(parseMix('/a:b:0.5, /c:0.5')).toEqual({
      ok: true,
      value: [
        { path: '/a:b', weight: 0.5 },
        { path: '/c', weight: 0.5 },
      ],
    });
  });

  it('takes a single path without a weight as every request', () => {
    expect(parseMix('/sleep?ms=50')).toEqual({ ok: true, value: [{ path: '/sleep?ms=50', weight: 1 }] });
  });

  it('accepts weights that sum to 1 within 0.001, and refuses those further off', () => {
    expect(parseMix('/a:0.333,/b:0.333,/c:0.333').ok).toBe(true);
    expect(parseMix('/a:0.3333,/b:0.3333,/c:0.3334').ok).toBe(true);
    const off = parseMix('/:0.5,/sleep:0.4');
    expect(off).toEqual({ ok: false, error: 'Mix weights must sum to 1 (within 0.001); these sum to 0.9' });
    expect(parseMix('/a:0.6,/b:0.6').ok).toBe(false);
  });

  it.each([
    ['', /^Mix is empty/],
    ['/:0.5,', /empty entry/],
    [':1', /empty path/],
    ['/,/sleep:0.5', /needs a weight/],
    ['sleep:1', /must start with \//],
    ['/a b:1', /no spaces/],
    ['/:abc', /must be a number/],
    ['/:-0.5,/b:1.5', /^Mix weight of \/ must be more than 0 and at most 1 \(got -0\.5\)$/],
    ['/:0,/b:1', /more than 0/],
    ['/:1.5', /at most 1/],
    ['/:0.5,/:0.5', /lists \/ twice/],
  ])('refuses %j', (text, reason) => {
    const result = parseMix(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('writes a mix back as it is read', () => {
    const text = '/:0.9,/sleep?ms=50:0.1';
    const mix = parseMix(text);
    expect(mix.ok && formatMix(mix.value)).toBe(text);
  });
});

describe('validateLoadSettings', () => {
  it('fills defaults and reads numbers typed as text', () => {
    const result = validateLoadSettings({ ratePerS: '200', durationS: '2.5', seed: '7' });
    expect(result).toEqual({
      ok: true,
      value: {
        url: DEFAULT_LOAD_SETTINGS.url,
        ratePerS: 200,
        durationS: 2.5,
        mix: [{ path: '/', weight: 1 }],
        arrivals: 'poisson',
        connections: 100,
        timeoutMs: 10_000,
        seed: 7,
      },
    });
  });

  it('leaves an absent seed null, and withSeed draws one only when none was given', () => {
    const result = validateLoadSettings({});
    expect(result.ok && result.value.seed).toBeNull();
    if (!result.ok) return;
    expect(Number.isInteger(withSeed(result.value).seed)).toBe(true);
    expect(withSeed({ ...result.value, seed: 5 }).seed).toBe(5);
  });

  it('is pure: the same input always gives the same answer', () => {
    const input = { ratePerS: '50', mix: '/:0.5,/sleep:0.5' };
    expect(validateLoadSettings(input)).toEqual(validateLoadSettings(input));
  });

  it('accepts its own output, so settings can be checked again on the other side of IPC', () => {
    const first = validateLoadSettings({ mix: '/:0.9,/sleep?ms=50:0.1', arrivals: 'constant', seed: 3 });
    expect(first.ok).toBe(true);
    if (first.ok) expect(validateLoadSettings(first.value)).toEqual(first);
  });

  it.each([
    [{ ratePerS: 0 }, 'ratePerS', /Rate must be more than 0/],
    [{ ratePerS: -5 }, 'ratePerS', /Rate must be more than 0/],
    [{ ratePerS: 'fast' }, 'ratePerS', /Rate must be a number \(got "fast"\)/],
    [{ ratePerS: Number.NaN }, 'ratePerS', /Rate must be a number/],
    [{ ratePerS: 1e6 }, 'ratePerS', /at most 100,000/],
    [{ durationS: 0 }, 'durationS', /Duration must be more than 0/],
    [{ durationS: '-1' }, 'durationS', /Duration must be more than 0/],
    [{ mix: '/:0.5' }, 'mix', /sum to 1/],
    [{ arrivals: 'bursty' }, 'arrivals', /Arrivals must be poisson or constant/],
    [{ connections: 0 }, 'connections', /Connections must be at least 1/],
    [{ connections: 2.5 }, 'connections', /whole number/],
    [{ timeoutMs: 0 }, 'timeoutMs', /Timeout must be at least 1/],
    [{ seed: -1 }, 'seed', /Seed must be at least 0/],
    [{ url: 'http://8.8.8.8' }, 'url', /loopback/],
  ])('refuses %j, naming the field %s', (input, field, reason) => {
    const result = validateLoadSettings(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.field).toBe(field);
      expect(result.error).toMatch(reason);
      expect(result.error).not.toContain('\n');
    }
  });

  it('checks mixes given as entries like mixes given as text', () => {
    expect(validateLoadSettings({ mix: [{ path: '/', weight: 1 }] }).ok).toBe(true);
    const bad = validateLoadSettings({ mix: [{ path: '/', weight: 0.4 }] });
    expect(bad.ok === false && bad.field).toBe('mix');
  });
});

describe('fields left empty', () => {
  it('say they are empty, with what to write there, rather than quoting the empty text', () => {
    expect(validateLoadSettings({ ratePerS: '' })).toEqual({ ok: false, field: 'ratePerS', error: 'Rate is empty: it takes a number' });
    expect(validateLoadSettings({ connections: ' ' })).toMatchObject({
      field: 'connections',
      error: 'Connections is empty: it takes a whole number',
    });
    expect(validateLoadSettings({ mix: '' })).toMatchObject({ field: 'mix', error: expect.stringMatching(/^Mix is empty: write it like/) });
    expect(validateLoopbackUrl('')).toEqual({ ok: false, error: 'URL is empty: write it like http://127.0.0.1:7878' });
  });
});

describe('validateSweepSettings', () => {
  it('reads pool sizes as a list and keeps their order', () => {
    expect(parseWorkerCounts('1, 2,4,16')).toEqual({ ok: true, value: [1, 2, 4, 16] });
    expect(parseWorkerCounts([8, 2])).toEqual({ ok: true, value: [8, 2] });
  });

  it.each([
    ['0,1', /at least 1/],
    ['1,65', /at most 64/],
    ['1,1', /listed twice/],
    ['1,two', /whole number/],
    ['', /^Pool sizes is empty: write a list like 1,2,4,8$/],
    ['1,,4', /^Pool sizes has an empty entry/],
  ])('refuses pool sizes %j', (text, reason) => {
    const result = validateSweepSettings({ workerCounts: text });
    expect(result.ok === false && result.field).toBe('workerCounts');
    if (!result.ok) expect(result.error).toMatch(reason);
  });

  it('checks the load of each pool size with the same rules as a single run', () => {
    const result = validateSweepSettings({ workerCounts: '1,2', ratePerS: '0' });
    expect(result).toMatchObject({ ok: false, field: 'ratePerS' });
    const fine = validateSweepSettings({ workerCounts: '1,2', ratePerS: '100', sleepMs: '50', seed: 1 });
    expect(fine).toMatchObject({ ok: true, value: { workerCounts: [1, 2], sleepMs: 50, load: { ratePerS: 100, seed: 1 } } });
  });

  it("refuses a mix Poolscope's /sleep would answer 400 every time, which npm run load may still send elsewhere", () => {
    const mix = '/:0.5,/sleep?ms=60001:0.5';
    expect(validateSweepSettings({ workerCounts: '1,2', mix })).toEqual({
      ok: false,
      error:
        'Mix path "/sleep?ms=60001": ms must be a whole number of milliseconds from 0 to 60000 (got "60001"); the server would answer every one 400',
      field: 'mix',
    });
    expect(validateLoadSettings({ mix })).toMatchObject({ ok: true });
    expect(
      poolscopeMixRefusal([
        { path: '/sleep?ms=60000', weight: 0.5 },
        { path: '/sleep?ms=0', weight: 0.5 },
      ]),
    ).toBeNull();
    expect(poolscopeMixRefusal([{ path: '/sleep?ms=abc', weight: 1 }])).toMatch(/got "abc"/);
    expect(poolscopeMixRefusal([{ path: '/other?ms=99999', weight: 1 }])).toBeNull();
  });
});
