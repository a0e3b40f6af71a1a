// The IPC gateway's sender rules and the window's link rule: only Poolscope's own page may command the
// server, and only links to the running book server leave the app.

import { describe, expect, it } from 'vitest';
import { checkSender, isBookServerLink, isOwnRendererUrl, trustedRendererFor } from '../src/main/ipc-guard';

const INDEX_HTML_PATH = '/opt/poolscope/out/renderer/index.html';
const built = trustedRendererFor(INDEX_HTML_PATH, null);
const developing = trustedRendererFor(INDEX_HTML_PATH, 'http://localhost:5173');

function topFrame(url: string) {
  return { url, parent: null };
}

describe('checkSender', () => {
  it("accepts the app's own built page", () => {
    expect(checkSender(topFrame('file:///opt/poolscope/out/renderer/index.html'), built)).toEqual({ ok: true });
  });

  it("accepts the app's own page with view state in its fragment or query", () => {
    expect(checkSender(topFrame('file:///opt/poolscope/out/renderer/index.html#/timeline'), built).ok).toBe(true);
    expect(checkSender(topFrame('file:///opt/poolscope/out/renderer/index.html?tab=pool'), built).ok).toBe(true);
  });

  it("accepts any page of electron-vite's dev server while developing", () => {
    expect(checkSender(topFrame('http://localhost:5173/'), developing).ok).toBe(true);
    expect(checkSender(topFrame('http://localhost:5173/index.html'), developing).ok).toBe(true);
  });

  it('refuses the dev server origin when the app runs from its built files', () => {
    expect(checkSender(topFrame('http://localhost:5173/'), built).ok).toBe(false);
  });

  it('refuses another origin, even on the same host or port', () => {
    expect(checkSender(topFrame('https://evil.example/'), developing).ok).toBe(false);
    expect(checkSender(topFrame('http://localhost:5174/'), developing).ok).toBe(false);
    expect(checkSender(topFrame('https://localhost:5173/'), developing).ok).toBe(false);
    expect(checkSender(topFrame('http://127.0.0.1:5173/'), developing).ok).toBe(false);
  });

  it('refuses other local files, including a sibling of the renderer', () => {
    expect(checkSender(topFrame('file:///etc/passwd'), built).ok).toBe(false);
    expect(checkSender(topFrame('file:///opt/poolscope/out/renderer/other.html'), built).ok).toBe(false);
    expect(checkSender(topFrame('file:///opt/poolscope/out/renderer/index.html/../../../etc/passwd'), built).ok).toBe(false);
  });

  it('refuses about:blank, data: and unparsable URLs', () => {
    expect(checkSender(topFrame('about:blank'), developing).ok).toBe(false);
    expect(checkSender(topFrame('data:text/html,<h1>hi</h1>'), developing).ok).toBe(false);
    expect(checkSender(topFrame(''), built).ok).toBe(false);
  });

  it('refuses a frame that is gone', () => {
    expect(checkSender(null, built)).toEqual({ ok: false, error: expect.stringContaining('gone') });
    expect(checkSender(undefined, built).ok).toBe(false);
  });

  it("refuses an iframe even when it shows the app's own page", () => {
    const iframe = { url: 'file:///opt/poolscope/out/renderer/index.html', parent: topFrame('https://evil.example/') };
    expect(checkSender(iframe, built).ok).toBe(false);
  });

  it('says in the refusal which page was refused', () => {
    const result = checkSender(topFrame('https://evil.example/'), built);
    expect(result).toEqual({ ok: false, error: expect.stringContaining('https://evil.example/') });
  });
});

describe('isOwnRendererUrl', () => {
  it('matches the file URL Node makes from the index.html path, with spaces escaped', () => {
    const spaced = trustedRendererFor('/home/a b/poolscope/out/renderer/index.html', null);
    expect(isOwnRendererUrl('file:///home/a%20b/poolscope/out/renderer/index.html', spaced)).toBe(true);
    expect(isOwnRendererUrl('file:///home/a%20b/poolscope/out/renderer/index.htm', spaced)).toBe(false);
  });
});

describe('isBookServerLink', () => {
  const serverUrl = 'http://127.0.0.1:7878';

  it('lets a loopback link to the running book server leave for the system browser', () => {
    expect(isBookServerLink('http://127.0.0.1:7878/', serverUrl)).toBe(true);
    expect(isBookServerLink('http://localhost:7878/sleep', serverUrl)).toBe(true);
  });

  it('keeps every other link in: other hosts, ports, schemes, credentials', () => {
    expect(isBookServerLink('https://evil.example/', serverUrl)).toBe(false);
    expect(isBookServerLink('http://127.0.0.1:22/', serverUrl)).toBe(false);
    expect(isBookServerLink('https://127.0.0.1:7878/', serverUrl)).toBe(false);
    expect(isBookServerLink('file:///etc/passwd', serverUrl)).toBe(false);
    expect(isBookServerLink('http://user:pw@127.0.0.1:7878/', serverUrl)).toBe(false);
    expect(isBookServerLink('http://10.0.0.5:7878/', serverUrl)).toBe(false);
  });

  it('keeps every link in while the server is stopped', () => {
    expect(isBookServerLink('http://127.0.0.1:7878/', null)).toBe(false);
  });
});
