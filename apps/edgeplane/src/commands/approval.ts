import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadSpec, parsePosture } from '@edgeplane/app-kit';
import {
  type Ed25519PrivateJwk,
  generateSigningKey,
  issueApproval,
  loadKeySet,
} from '@edgeplane/approval';
import { EdgeplaneError, INPUT_LIMITS, readInputFile } from '@edgeplane/errors';
import { type Command, defineCommand, specPath, str } from '../args.js';
import type { Io } from '../io.js';
import { GOVERNANCE_FLAGS, governRun, specStages } from './governed.js';
import { printJson, SPEC_FLAG } from './shared.js';

const need = (flags: Readonly<Record<string, unknown>>, name: string, example: string): string => {
  const v = str(flags, name);
  if (!v)
    throw new EdgeplaneError('invalid-input', 'cli', `approval: --${name} is required`, {
      hint: `e.g. --${name}=${example}`,
    });
  return v;
};

/** `--expires-in=`: a whole number of seconds, at least 1 (a credential valid for 0 s is useless). */
function positiveSeconds(
  flags: Readonly<Record<string, unknown>>,
  name: string,
): number | undefined {
  const raw = str(flags, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^[0-9]+$/.test(raw) || !Number.isSafeInteger(n) || n < 1)
    throw new EdgeplaneError(
      'invalid-input',
      'cli',
      `--${name} must be a whole number of seconds, at least 1, got "${raw}"`,
      { hint: `e.g. --${name}=3600 (one hour)` },
    );
  return n;
}

/** The private JWK from `approval keygen`: a regular file of at most 256 KiB holding JSON. */
async function readPrivateKey(path: string, shown: string): Promise<Ed25519PrivateJwk> {
  const bytes = await readInputFile(path, {
    what: 'private key',
    maxBytes: INPUT_LIMITS.credential,
    component: 'cli',
    from: '--key=',
    shown,
  });
  try {
    return JSON.parse(bytes.toString('utf8')) as Ed25519PrivateJwk;
  } catch {
    // The parser's message quotes the text, which is private key material: don't.
    throw new EdgeplaneError('invalid-config', 'cli', `private key ${shown}: not valid JSON`, {
      hint: 'pass the <kid>.private.jwk.json file written by `edgeplane approval keygen`',
    });
  }
}

async function keygen(flags: Readonly<Record<string, unknown>>, io: Io): Promise<number> {
  const kid = need(flags, 'kid', 'dev-1');
  const out = resolve(io.cwd, need(flags, 'out', './keys'));
  const { privateJwk, publicJwk } = generateSigningKey({ kid });
  await mkdir(out, { recursive: true });
  const setPath = join(out, 'signing_keys.json');
  // An existing set is extended; one that is not a regular file, too large or invalid is an error
  // (it used to be replaced silently), a missing one is created.
  const existing = await loadKeySet(setPath, { from: '`--out=`' }).then(
    (set) => set.keys,
    (error: EdgeplaneError) => {
      if (error.code === 'not-found') return [];
      throw error;
    },
  );
  await writeFile(
    setPath,
    `${JSON.stringify({ keys: [...existing.filter((k) => k.kid !== kid), publicJwk] }, null, 2)}\n`,
  );
  await writeFile(
    join(out, `${kid}.private.jwk.json`),
    `${JSON.stringify(privateJwk, null, 2)}\n`,
    { mode: 0o600 },
  );
  io.stdout.write(
    `wrote ${join(out, `${kid}.private.jwk.json`)} (keep it secret) and added ${kid} to ${setPath}\n`,
  );
  return 0;
}

async function issue(flags: Readonly<Record<string, unknown>>, io: Io): Promise<number> {
  const keyFlag = need(flags, 'key', './keys/dev-1.private.jwk.json');
  const expiresIn = positiveSeconds(flags, 'expires-in') ?? 3600;
  const privateJwk = await readPrivateKey(resolve(io.cwd, keyFlag), keyFlag);
  const { parsed } = await loadSpec(specPath(flags, io), { cwd: io.cwd, stages: specStages() });
  const now = Math.floor(Date.now() / 1000);
  const credential = issueApproval(
    {
      v: 1,
      kid: privateJwk.kid,
      org_id: str(flags, 'org') ?? 'dev-org',
      project_id: str(flags, 'project') ?? 'dev-project',
      environment_id: str(flags, 'environment-id') ?? 'dev-environment',
      environment_posture: parsePosture(str(flags, 'environment'), io.env),
      spec_hash: parsed.hash,
      capabilities: (str(flags, 'capabilities') ?? '').split(',').filter(Boolean),
      issued_at: now,
      expires_at: now + expiresIn,
      issued_by: str(flags, 'issued-by') ?? 'edgeplane-cli',
      approval_id: str(flags, 'approval-id') ?? randomUUID(),
    },
    privateJwk,
  );
  const out = str(flags, 'out');
  if (out) {
    await writeFile(resolve(io.cwd, out), `${credential}\n`, { mode: 0o600 });
    io.stdout.write(`wrote ${out} for ${parsed.hash}\n`);
  } else io.stdout.write(`${credential}\n`);
  return 0;
}

async function verify(flags: Readonly<Record<string, unknown>>, io: Io): Promise<number> {
  const l = await loadSpec(specPath(flags, io), { cwd: io.cwd, stages: specStages() });
  const g = await governRun(flags, io, {
    specPath: l.path,
    spec: l.spec,
    specHash: l.parsed.hash,
    lanePath: '',
    enforce: false,
  });
  if (flags.json) printJson(io, g.audit);
  else
    io.stdout.write(
      `${g.decision.summary}\n${g.rejection ? `credential rejected: ${g.rejection.message}\n` : ''}`,
    );
  return g.decision.ok ? 0 : 2;
}

export const approval: Command = defineCommand({
  name: 'approval',
  summary:
    'Development approvals: generate a signing key, issue a credential for a spec, verify one',
  usage:
    'edgeplane approval keygen --kid=dev-1 --out=./keys\n       edgeplane approval issue --key=./keys/dev-1.private.jwk.json --spec=spec.kv --environment=prod --capabilities=http_post [--expires-in=3600] [--out=approval.cred]\n       edgeplane approval verify --spec=spec.kv --environment=prod [--approval=...] [--approval-key-set=...]',
  flags: {
    spec: SPEC_FLAG,
    ...GOVERNANCE_FLAGS,
    kid: { type: 'string', description: 'keygen: key id', placeholder: 'KID' },
    key: {
      type: 'string',
      description: 'issue: the private JWK file from keygen',
      placeholder: 'FILE',
    },
    out: {
      type: 'string',
      description: 'keygen: directory; issue: credential file (default: stdout)',
      placeholder: 'PATH',
    },
    capabilities: {
      type: 'string',
      description: 'issue: approved capabilities, comma-separated (http_post,exec)',
      placeholder: 'LIST',
    },
    'expires-in': {
      type: 'string',
      description: 'issue: validity in seconds (default 3600)',
      placeholder: 'SECONDS',
    },
    org: { type: 'string', description: 'issue: org_id', placeholder: 'ID' },
    project: { type: 'string', description: 'issue: project_id', placeholder: 'ID' },
    'environment-id': { type: 'string', description: 'issue: environment_id', placeholder: 'ID' },
    'issued-by': { type: 'string', description: 'issue: issued_by', placeholder: 'WHO' },
    'approval-id': {
      type: 'string',
      description: 'issue: approval_id (default: a random UUID)',
      placeholder: 'ID',
    },
  },
  async handler(flags, io, positionals) {
    const action = positionals[0];
    if (action === 'keygen') return keygen(flags, io);
    if (action === 'issue') return issue(flags, io);
    if (action === 'verify') return verify(flags, io);
    throw new EdgeplaneError('invalid-input', 'cli', `approval: unknown action "${action ?? ''}"`, {
      hint: 'use approval keygen, approval issue or approval verify',
    });
  },
});
