export * from './build.ts';
export * from './process-articles.ts';
export * from './write-outputs.ts';
export * from './lay-out-pages.ts';
export { collectWhenIdle } from './idle-gc.ts';
