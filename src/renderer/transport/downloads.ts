// Downloads started by the page: a link followed with the `download` attribute, to the dashboard's own endpoint
// or to a Blob the page made (an opened recording's trace). In Electron the same click opens its save dialog.

/** Follows `url` as a download; `fileName` names it when the response does not. */
export function downloadUrl(url: string, fileName = ''): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Saves text made in the page, given in chunks (never joined into one string), as a file called `fileName`. */
export function downloadText(chunks: Iterable<string>, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([...chunks], { type }));
  downloadUrl(url, fileName);
  // The browser has taken the Blob once the download began; a minute is ample on a slow disk.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
