import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/ingest.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  // The .proto ships inside dist (the package publishes `dist` only): other programs generate
  // their own client from `@edgeplane/transport-grpc/proto/edgeplane/v1/ingest.proto`.
  onSuccess: async () => {
    cpSync('proto', 'dist/proto', { recursive: true });
  },
});
