// `npm run bench`: every bench/*.bench.ts runs once, one file at a time so that
// measurements do not compete for the two cores.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../vitest.config.js';

export default mergeConfig(
  { resolve: base.resolve, plugins: base.plugins },
  defineConfig({
    test: {
      include: ['bench/**/*.bench.ts'],
      environment: 'node',
      fileParallelism: false,
      testTimeout: 600_000,
      hookTimeout: 120_000,
    },
  }),
);
