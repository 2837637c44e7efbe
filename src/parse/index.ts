export * from './load-manuscript.ts';
export * from './read-text.ts';
export * from './image-info.ts';
export * from './watch-manuscript.ts';
