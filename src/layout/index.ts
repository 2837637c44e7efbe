export * from './types.ts';
export * from './bundle.ts';
