export * from './browser.ts';
export * from './find-chrome.ts';
export * from './page-server.ts';
export * from './print-page.ts';
export * from './retry.ts';
export * from './trace.ts';
