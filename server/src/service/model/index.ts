export * from './types';
export { buildClusterModel, buildModelFromTexts, readSelector } from './build';
export type { ModelInput } from './build';
