// The one settings table: its defaults and limits hold together, and every validator built on it (values
// from a viewer, text from the form, flags from the command line) names the field that failed, in words.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFlagHelp, parseFlags, settingsFlagHelp, UsageError } from '../src/cli/flags';
import { DASHBOARD_HELP } from '../src/main/dashboard-args';
import { DEFAULT_MAX_QUEUED_JOBS, DEFAULT_MAX_WAIT_MS, MAX_POOL_SIZE } from '../src/server/pool/thread-pool';
import {
  DEFAULT_SETTINGS,
  FORM_SETTING_NAMES,
  fixedThreadCountOf,
  SETTING_NAMES,
  SETTINGS,
  settingDefinition,
  settingsFromText,
  settingsToText,
  startingThreadCountOf,
  validateSettings,
  withDefaults,
} from '../src/shared/settings';

const wholeNumberSettings = SETTING_NAMES.flatMap((name) => {
  const definition = settingDefinition(name);
  return definition.kind === 'whole-number' ? [{ name, definition }] : [];
});

describe('the settings table', () => {
  it('gives every setting its own name, label, flag and form input, and a default within its limits', () => {
    expect(SETTING_NAMES).toEqual([
      'strategy',
      'host',
      'port',
      'workerCount',
      'sleepMs',
      'maxQueuedJobs',
      'sendTimeoutMs',
      'maxWaitMs',
      'maxThreads',
      'stopAfterConnections',
    ]);
    const definitions = SETTING_NAMES.map(settingDefinition);
    expect(new Set(definitions.map((d) => d.label)).size).toBe(definitions.length);
    expect(new Set(definitions.map((d) => d.flag)).size).toBe(definitions.length);
    const inputIds = definitions.flatMap((d) => (d.form ? [d.form.inputId] : []));
    expect(new Set(inputIds).size).toBe(inputIds.length);
    for (const { definition } of wholeNumberSettings) {
      expect(definition.min).toBeLessThanOrEqual(definition.defaultValue);
      expect(definition.defaultValue).toBeLessThanOrEqual(definition.max);
    }
    expect(validateSettings(DEFAULT_SETTINGS)).toEqual({ ok: true, value: DEFAULT_SETTINGS });
  });

  it('is the one limit: the pool refuses exactly what the settings refuse, and queues as many and as long by default', () => {
    expect(MAX_POOL_SIZE).toBe(SETTINGS.workerCount.max);
    expect(DEFAULT_MAX_QUEUED_JOBS).toBe(SETTINGS.maxQueuedJobs.defaultValue);
    expect(DEFAULT_MAX_WAIT_MS).toBe(SETTINGS.maxWaitMs.defaultValue);
  });

  it('keeps the form to strategy, port, pool size, sleep, queue limit, max wait, thread limit and stop after, with the inputs the specs and scripts find', () => {
    expect(FORM_SETTING_NAMES.map((name) => [settingDefinition(name).form?.inputId, settingDefinition(name).form?.label])).toEqual([
      ['setting-strategy', undefined],
      ['setting-port', undefined],
      ['setting-pool-size', undefined],
      ['setting-sleep-ms', 'Sleep (ms)'],
      ['setting-max-queued-jobs', undefined],
      ['setting-max-wait-ms', 'Max wait (ms)'],
      ['setting-max-threads', undefined],
      ['setting-stop-after-connections', undefined],
    ]);
  });
});

describe('validateSettings (commands from a viewer, startServer)', () => {
  it.each(['localhost', '127.0.0.1', '0.0.0.0', '::1', '::', 'fe80::1', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '::ffff:127.0.0.1'])(
    'accepts the host %s',
    (host) => {
      expect(validateSettings({ host })).toMatchObject({ ok: true, value: { host } });
    },
  );

  it('fills absent settings with their defaults and drops unknown fields', () => {
    expect(validateSettings({ workerCount: 8, surprise: 'x' })).toEqual({ ok: true, value: { ...DEFAULT_SETTINGS, workerCount: 8 } });
    expect(withDefaults({ port: 0, sleepMs: undefined })).toEqual({ ...DEFAULT_SETTINGS, port: 0 });
  });

  it.each([
    [{ workerCount: 0 }, 'workerCount', 'Pool size must be at least 1: a pool of 0 workers could never run a job'],
    [{ workerCount: 65 }, 'workerCount', 'Pool size must be between 1 and 64 (got 65)'],
    [{ workerCount: 2.5 }, 'workerCount', 'Pool size must be a whole number (got 2.5)'],
    [{ port: 70_000 }, 'port', 'Port must be between 0 and 65535 (got 70000)'],
    [{ port: '80' }, 'port', 'Port must be a whole number (got "80")'],
    [{ sleepMs: -1 }, 'sleepMs', 'Sleep duration (ms) must be between 0 and 60000 (got -1)'],
    [{ maxQueuedJobs: 100_001 }, 'maxQueuedJobs', 'Queue limit must be between 0 and 100000 (got 100001)'],
    [{ host: '' }, 'host', 'Host must not be empty'],
    [{ host: 'evil.example' }, 'host', 'Host must be an IP address or "localhost" (got "evil.example")'],
    [{ host: 7 }, 'host', 'Host must be an IP address or "localhost" (got 7)'],
    // Looks like an address but is none: refused here, not found out by the system's lookup at start.
    [{ host: '999.1.1.1' }, 'host', 'Host must be an IP address or "localhost" (got "999.1.1.1")'],
    [{ host: '1.2.3' }, 'host', 'Host must be an IP address or "localhost" (got "1.2.3")'],
    // An address with a port, or colons that make no IPv6 address.
    [{ host: '127.0.0.1:8080' }, 'host', 'Host must be an IP address or "localhost" (got "127.0.0.1:8080")'],
    [{ host: ':::' }, 'host', 'Host must be an IP address or "localhost" (got ":::")'],
    [{ host: '1:2:3:4:5:6:7:8:9' }, 'host', 'Host must be an IP address or "localhost" (got "1:2:3:4:5:6:7:8:9")'],
    [{ host: '1::2::3' }, 'host', 'Host must be an IP address or "localhost" (got "1::2::3")'],
  ])('refuses %j, naming the field %s', (input, field, error) => {
    expect(validateSettings(input)).toEqual({ ok: false, field, error });
  });

  it('names a flag instead of a label when asked, as the command line does', () => {
    expect(validateSettings({ workerCount: 0 }, 'flag')).toMatchObject({
      field: 'workerCount',
      error: '--workers must be at least 1: a pool of 0 workers could never run a job',
    });
  });

  it('refuses something that is not an object without naming a field', () => {
    expect(validateSettings(null)).toEqual({ ok: false, field: null, error: 'settings must be an object' });
  });

  it('accepts every whole number within a setting’s limits and refuses every one outside, naming that setting', () => {
    for (const { name, definition } of wholeNumberSettings) {
      fc.assert(
        fc.property(fc.integer({ min: definition.min - 1_000, max: definition.max + 1_000 }), (value) => {
          const result = validateSettings({ [name]: value });
          const isWithin = value >= definition.min && value <= definition.max;
          expect(result.ok).toBe(isWithin);
          if (!result.ok) expect(result.field).toBe(name);
        }),
        { numRuns: 200 },
      );
    }
  });
});

describe('settingsFromText (the form, the command line)', () => {
  it('reads whole numbers from text, spaces around them allowed, and round-trips settingsToText', () => {
    expect(settingsFromText({ ...settingsToText(DEFAULT_SETTINGS), workerCount: ' 8 ' })).toEqual({
      ok: true,
      value: { ...DEFAULT_SETTINGS, workerCount: 8 },
    });
  });

  it('reads an empty Stop after field as 0, never, and shows 0 as an empty field', () => {
    expect(settingsFromText({ stopAfterConnections: ' ' })).toEqual({ ok: true, value: DEFAULT_SETTINGS });
    expect(settingsFromText({ stopAfterConnections: '2' })).toEqual({ ok: true, value: { ...DEFAULT_SETTINGS, stopAfterConnections: 2 } });
    expect(settingsToText(DEFAULT_SETTINGS).stopAfterConnections).toBe('');
    expect(settingsToText({ ...DEFAULT_SETTINGS, stopAfterConnections: 2 }).stopAfterConnections).toBe('2');
    expect(settingsFromText({ stopAfterConnections: '-1' })).toEqual({
      ok: false,
      field: 'stopAfterConnections',
      error: 'Stop after (connections) must be between 0 and 1000000 (got -1)',
    });
  });

  it('quotes what was typed when it is not a whole number', () => {
    expect(settingsFromText({ workerCount: 'four' })).toEqual({
      ok: false,
      field: 'workerCount',
      error: 'Pool size must be a whole number (got "four")',
    });
  });

  it('says a field left empty is empty, with what to write there, rather than quoting the empty text', () => {
    expect(settingsFromText({ sleepMs: '' })).toMatchObject({
      field: 'sleepMs',
      error: 'Sleep duration (ms) is empty: it takes a whole number from 0 to 60000',
    });
    expect(settingsFromText({ port: '  ' })).toMatchObject({
      field: 'port',
      error: 'Port is empty: it takes a whole number from 0 to 65535',
    });
    expect(() => parseFlags(['--workers='])).toThrow('--workers is empty: it takes a whole number from 1 to 64');
  });
});

describe('command-line flags from the settings table', () => {
  it('parses every setting from its flag, and the rest take their defaults', () => {
    expect(parseFlags(['--max-queued-jobs', '0', '--workers', '8', '--send-timeout-ms', '2500']).settings).toEqual({
      ...DEFAULT_SETTINGS,
      maxQueuedJobs: 0,
      workerCount: 8,
      sendTimeoutMs: 2500,
    });
  });

  it('takes a strategy by name, and a thread limit for the thread-per-request one', () => {
    expect(parseFlags(['--strategy', 'per-request', '--max-threads', '8']).settings).toEqual({
      ...DEFAULT_SETTINGS,
      strategy: 'per-request',
      maxThreads: 8,
    });
    expect(DEFAULT_SETTINGS.strategy).toBe('pool');
    expect(DEFAULT_SETTINGS.maxThreads).toBe(256);
  });

  it('refuses an unknown strategy with one line listing the valid ones', () => {
    expect(() => parseFlags(['--strategy', 'fork'])).toThrow(
      new UsageError('--strategy must be one of single, per-request, pool, pool-while-let (got "fork")'),
    );
    expect(validateSettings({ strategy: 'Pool' })).toEqual({
      ok: false,
      field: 'strategy',
      error: 'Strategy must be one of single, per-request, pool, pool-while-let (got "Pool")',
    });
    expect(() => parseFlags(['--max-threads', '0'])).toThrow(new UsageError('--max-threads must be at least 1: no request could ever run'));
  });

  it('refuses a bad value with the flag named and the same words as the form', () => {
    expect(() => parseFlags(['--workers', '65'])).toThrow(new UsageError('--workers must be between 1 and 64 (got 65)'));
    expect(() => parseFlags(['--host', 'evil.example'])).toThrow(
      new UsageError('--host must be an IP address or "localhost" (got "evil.example")'),
    );
  });

  it('does not check the other flags when --help is given', () => {
    expect(parseFlags(['--workers', '0', '--help']).isHelp).toBe(true);
  });

  it('writes one help line per setting, with its range and default', () => {
    expect(formatFlagHelp(settingsFlagHelp()).split('\n')).toEqual([
      "  --strategy NAME             how requests run: the chapter's four servers: single, per-request, pool, pool-while-let (default pool)",
      '  --host HOST                 interface the server binds (default 127.0.0.1)',
      '  --port N                    TCP port, 0 for any free one (0..65535, default 7878)',
      '  --workers N                 thread pool size (1..64, default 4)',
      '  --sleep-ms N                how long GET /sleep blocks its worker (0..60000, default 5000)',
      '  --max-queued-jobs N         jobs that may wait for a worker; past it, requests get 503 (0..100000, default 1024)',
      '  --send-timeout-ms N         a connection whose answers wait this long unread is closed (200..600000, default 10000)',
      '  --max-wait-ms N             how long a job may wait for a worker before its request gets 503; 0 for no limit (0..600000, default 60000)',
      '  --max-threads N             per-request only: threads running at once; past it, requests get 503 (1..1024, default 256)',
      "  --stop-after-connections N  shut down gracefully once N connections were accepted (the book's take(N)); 0 for never (0..1000000, default 0)",
    ]);
  });

  it('puts the same lines in the help of `npm run dashboard`', () => {
    for (const line of formatFlagHelp(settingsFlagHelp()).split('\n')) expect(DASHBOARD_HELP).toContain(line.trim());
  });

  it("matches the README's flag table row for row", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('### The headless server');
    const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
    // Cells of each table row of that section that documents a flag, without Markdown's backticks.
    const rows = new Map(
      section
        .split('\n')
        .filter((line) => /^\|\s*`--/.test(line))
        .map((line) => {
          const cells = line
            .split('|')
            .slice(1, -1)
            .map((cell) => cell.trim().replaceAll('`', ''));
          return [cells[0]!.split(' ')[0]!, cells] as const;
        }),
    );
    for (const line of settingsFlagHelp()) {
      const definition = SETTING_NAMES.map(settingDefinition).find((d) => d.flag === line.flag)!;
      const range =
        definition.kind === 'whole-number'
          ? `${definition.min}..${definition.max}`
          : definition.kind === 'choice'
            ? definition.choices.join(', ')
            : 'IP address or localhost';
      expect(rows.get(`--${line.flag}`)).toEqual([
        `--${line.flag} ${line.valueName}`,
        definition.help,
        range,
        String(definition.defaultValue),
      ]);
    }
  });
});

describe("a strategy's threads", () => {
  it('starts a pool with its size, the single thread with one whatever the pool size, and a thread per request with none', () => {
    const threadsOf = (strategy: (typeof DEFAULT_SETTINGS)['strategy']) => {
      const settings = { ...DEFAULT_SETTINGS, strategy, workerCount: 6 };
      return [startingThreadCountOf(settings), fixedThreadCountOf(settings)];
    };
    expect(threadsOf('pool')).toEqual([6, 6]);
    expect(threadsOf('pool-while-let')).toEqual([6, 6]);
    expect(threadsOf('single')).toEqual([1, 1]);
    // Its threads come and go with their requests: no count holds for the whole run.
    expect(threadsOf('per-request')).toEqual([0, null]);
  });
});
