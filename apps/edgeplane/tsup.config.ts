import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.ts', 'src/main.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node22',
  banner: {},
});
