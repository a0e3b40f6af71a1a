// Who wrote a run file or a trace: the app's name and version. The version is package.json's; a test keeps the
// two equal (this module imports nothing, so the renderer, the CLI and the main process all read it alike).

export const APP_NAME = 'Poolscope';
export const APP_VERSION = '0.1.0';

export const APP_INFO: { readonly name: string; readonly version: string } = { name: APP_NAME, version: APP_VERSION };
