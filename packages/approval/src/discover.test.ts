import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { credential, key, keySet } from '../test/fixtures.js';
import { discoverApprovalMaterial } from './index.js';

let dir: string;
let specPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ep-discover-'));
  await mkdir(join(dir, 'bundle'));
  specPath = join(dir, 'bundle', 'spec.kv');
  await writeFile(specPath, 'v=1\n');
});

const write = (name: string, text: string) => writeFile(join(dir, name), text);

describe('credential discovery', () => {
  it('finds nothing when there is no flag and no approval.cred', async () => {
    const found = await discoverApprovalMaterial({ specPath });
    expect(found).toEqual({
      credential: null,
      credentialSource: null,
      credentialPath: null,
      keySet: { keys: [] },
      keySources: [],
    });
  });

  it('reads approval.cred next to the spec, trimmed', async () => {
    const cred = credential();
    await write('bundle/approval.cred', `${cred}\n`);
    const found = await discoverApprovalMaterial({ specPath });
    expect(found.credential).toBe(cred);
    expect(found.credentialSource).toBe('spec-dir');
    expect(found.credentialPath).toBe(join(dir, 'bundle', 'approval.cred'));
  });

  it('prefers an --approval= file over approval.cred, resolving it against cwd', async () => {
    const flagCred = credential({ approval_id: 'from-flag' });
    await write('bundle/approval.cred', credential());
    await write('mine.cred', flagCred);
    const found = await discoverApprovalMaterial({ specPath, approvalFlag: 'mine.cred', cwd: dir });
    expect([found.credential, found.credentialSource]).toEqual([flagCred, 'flag-file']);
    expect(found.credentialPath).toBe(join(dir, 'mine.cred'));
  });

  it('takes an inline credential from --approval=', async () => {
    await write('bundle/approval.cred', credential());
    const inline = credential({ approval_id: 'inline' });
    const found = await discoverApprovalMaterial({ specPath, approvalFlag: inline, cwd: dir });
    expect([found.credential, found.credentialSource, found.credentialPath]).toEqual([
      inline,
      'flag-inline',
      null,
    ]);
  });

  it('names a missing path-like --approval= file', async () => {
    await expect(
      discoverApprovalMaterial({ specPath, approvalFlag: './missing.cred', cwd: dir }),
    ).rejects.toMatchObject({
      code: 'invalid-config',
      message: `[approval] \`--approval=\` names no existing file and is not a credential: no such file ${join(dir, 'missing.cred')}`,
    });
  });

  it('does not echo a value that is neither a file nor a credential', async () => {
    const mangled = `${credential()}=`;
    const error = await discoverApprovalMaterial({
      specPath,
      approvalFlag: mangled,
      cwd: dir,
    }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toBe(
      `[approval] \`--approval=\` names no existing file and is not a credential (value of ${mangled.length} characters not shown)`,
    );
  });

  it('says that --approval=/dev/null is not a regular file, and an empty one is empty', async () => {
    await expect(
      discoverApprovalMaterial({ specPath, approvalFlag: '/dev/null', cwd: dir }),
    ).rejects.toMatchObject({
      code: 'invalid-config',
      message:
        '[approval] approval file /dev/null: is not a regular file (a device, a pipe or a socket is never read)',
      hint: 'give `--approval=` the path of a regular file',
    });
    await write('empty.cred', '');
    await expect(
      discoverApprovalMaterial({ specPath, approvalFlag: 'empty.cred', cwd: dir }),
    ).rejects.toMatchObject({
      code: 'invalid-config',
      message: `[approval] approval file ${join(dir, 'empty.cred')} (\`--approval=\`) is empty`,
    });
  });

  it('rejects an empty approval file', async () => {
    await write('bundle/approval.cred', '\n');
    await expect(discoverApprovalMaterial({ specPath })).rejects.toThrow(
      `[approval] approval file ${join(dir, 'bundle', 'approval.cred')} (next to the spec) is empty`,
    );
  });
});

describe('key-set discovery', () => {
  it('uses signing_keys.json next to the spec, extended and overridden by each flag in order', async () => {
    await write('bundle/signing_keys.json', JSON.stringify(keySet('k1', 'k2')));
    const rebound = { ...key('other').publicJwk, kid: 'k2' };
    await write('a.json', JSON.stringify({ keys: [rebound] }));
    await write('b.json', JSON.stringify(keySet('k3', 'k2')));
    const found = await discoverApprovalMaterial({
      specPath,
      keySetFlags: ['a.json', 'b.json'],
      cwd: dir,
    });
    expect(found.keySources).toEqual([
      join(dir, 'bundle', 'signing_keys.json'),
      join(dir, 'a.json'),
      join(dir, 'b.json'),
    ]);
    // b.json comes last, so its k2 wins over a.json's rebound k2.
    expect(found.keySet).toEqual({
      keys: [key('k1').publicJwk, key('k2').publicJwk, key('k3').publicJwk],
    });
  });

  it('works with flags only, and fails on a missing flag file', async () => {
    await write('a.json', JSON.stringify(keySet('k1')));
    const found = await discoverApprovalMaterial({ specPath, keySetFlags: ['a.json'], cwd: dir });
    expect(found.keySet).toEqual(keySet('k1'));
    await expect(
      discoverApprovalMaterial({ specPath, keySetFlags: ['gone.json'], cwd: dir }),
    ).rejects.toMatchObject({
      code: 'not-found',
      message: `[approval] key set ${join(dir, 'gone.json')}: does not exist`,
    });
  });

  it('reports an invalid signing_keys.json by path and field', async () => {
    await write(
      'bundle/signing_keys.json',
      JSON.stringify({ keys: [{ ...key('k1').publicJwk, crv: 'P-256' }] }),
    );
    await expect(discoverApprovalMaterial({ specPath })).rejects.toThrow(
      `[approval] invalid key set ${join(dir, 'bundle', 'signing_keys.json')}: keys[0].crv must be "Ed25519"`,
    );
  });
});
