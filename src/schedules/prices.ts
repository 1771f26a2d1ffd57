/**
 * The price table of the savings report lives with the configuration that names its file
 * (config/prices.ts), so the worker's activities price plans with it too without importing up.
 */
export * from '../config/prices';
