export * from './merge-edition.ts';
export * from './metadata.ts';
export * from './outline.ts';
export * from './page-labels.ts';
export * from './print-marks.ts';
export * from './proof-marks.ts';
