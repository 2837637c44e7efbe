export * from './build.ts';
export * from './process-articles.ts';
export * from './write-outputs.ts';
