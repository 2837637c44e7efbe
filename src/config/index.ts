export * from './schema.ts';
export * from './load-yaml.ts';
