export { createProcessor, type ProcessorOptions } from './create-processor.ts';
