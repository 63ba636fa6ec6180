import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const pkg = resolve(import.meta.dirname, '..');
const GENERATED = 'src/gen/edgeplane/v1/ingest_pb.ts';

describe('the checked-in generated code', () => {
  it('is what `buf generate` (protoc-gen-es v2) makes from proto/ today', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-grpc-gen-'));
    try {
      cpSync(join(pkg, 'proto'), join(dir, 'proto'), { recursive: true });
      cpSync(join(pkg, 'buf.yaml'), join(dir, 'buf.yaml'));
      cpSync(join(pkg, 'buf.gen.yaml'), join(dir, 'buf.gen.yaml'));
      const bin = join(pkg, 'node_modules/.bin');
      execFileSync(join(bin, 'buf'), ['generate'], {
        cwd: dir,
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
        stdio: 'pipe',
      });
      expect(readFileSync(join(dir, GENERATED), 'utf8')).toBe(
        readFileSync(join(pkg, GENERATED), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('the package publishes the .proto (inside dist) and the generated module', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest.files).toEqual(['dist']);
    expect(manifest.exports['./ingest']).toBeDefined();
    const proto = manifest.exports['./proto/edgeplane/v1/ingest.proto'];
    expect(proto).toBe('./dist/proto/edgeplane/v1/ingest.proto');
    // the build copies it there (run the build first)
    expect(readFileSync(join(pkg, proto), 'utf8')).toBe(
      readFileSync(join(pkg, 'proto/edgeplane/v1/ingest.proto'), 'utf8'),
    );
  });
});
