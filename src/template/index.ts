export * from './format-date.ts';
export * from './load-template.ts';
export * from './fonts.ts';
export * from './render-page.ts';
