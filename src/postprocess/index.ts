export * from './merge-edition.ts';
