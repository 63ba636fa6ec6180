import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { EdgeplaneError, INPUT_LIMITS, readInputFile } from '@edgeplane/errors';
import { looksLikeCredential } from './codec.js';
import { COMPONENT } from './errors.js';
import { EMPTY_KEY_SET, loadKeySet, mergeKeySets } from './key-set.js';
import type { JwkSet } from './types.js';

/** File name of the credential next to the spec (reference section 3, `--approval=`). */
export const APPROVAL_FILE_NAME = 'approval.cred';
/** File name of the local trust cache next to the spec (reference section 3). */
export const KEY_SET_FILE_NAME = 'signing_keys.json';

/** Where the credential came from. */
export type CredentialSource = 'flag-file' | 'flag-inline' | 'spec-dir' | null;

/** Inputs of `discoverApprovalMaterial`: the CLI passes its flags through unchanged. */
export interface DiscoverApprovalOptions {
  /** Path of the spec (`--spec=`); its directory is searched. */
  readonly specPath: string;
  /** Value of `--approval=`: a file path or the credential itself. */
  readonly approvalFlag?: string | undefined;
  /** Values of each `--approval-key-set=`, in order (file paths). */
  readonly keySetFlags?: readonly string[] | undefined;
  /** Base for relative paths; default `process.cwd()`. */
  readonly cwd?: string | undefined;
}

/** What was found: the credential (or null) and the local trust set with its files. */
export interface ApprovalMaterial {
  readonly credential: string | null;
  readonly credentialSource: CredentialSource;
  /** File the credential was read from; null when inline or absent. */
  readonly credentialPath: string | null;
  /** `signing_keys.json` next to the spec (when present) merged with each key-set flag. */
  readonly keySet: JwkSet;
  /** Absolute paths of the key-set files loaded, in merge order. */
  readonly keySources: readonly string[];
}

/** What is at `path`: a regular file, something else (a device, a FIFO, a directory), or nothing. */
async function kindOf(path: string): Promise<'file' | 'other' | 'none'> {
  try {
    return (await stat(path)).isFile() ? 'file' : 'other';
  } catch {
    return 'none';
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await kindOf(path)) === 'file';
}

/** A credential file: regular, at most 256 KiB (`INPUT_LIMITS.credential`), not empty. */
async function readCredentialFile(path: string, origin: string, from: string): Promise<string> {
  const bytes = await readInputFile(path, {
    what: 'approval file',
    maxBytes: INPUT_LIMITS.credential,
    component: COMPONENT,
    from,
  });
  const text = bytes.toString('utf8').trim();
  if (text === '') {
    throw new EdgeplaneError(
      'invalid-config',
      COMPONENT,
      `approval file ${path} (${origin}) is empty`,
      {
        details: { file: path },
        hint: 'write the credential from `edgeplane approval issue` into it',
      },
    );
  }
  return text;
}

async function fromFlag(
  flag: string,
  cwd: string,
): Promise<Pick<ApprovalMaterial, 'credential' | 'credentialSource' | 'credentialPath'>> {
  const path = resolve(cwd, flag);
  const kind = flag === '' ? 'none' : await kindOf(path);
  // A device, FIFO or directory is said to be one (readInputFile refuses it without reading).
  if (kind !== 'none') {
    return {
      credential: await readCredentialFile(path, '`--approval=`', '`--approval=`'),
      credentialSource: 'flag-file',
      credentialPath: path,
    };
  }
  if (looksLikeCredential(flag.trim())) {
    return { credential: flag.trim(), credentialSource: 'flag-inline', credentialPath: null };
  }
  // Echo the value only when it reads as a path: a mangled inline credential must not reach logs.
  const pathLike = /[/\\]|^\.|\.cred$/.test(flag);
  const shown = pathLike
    ? `: no such file ${path}`
    : ` (value of ${flag.length} characters not shown)`;
  throw new EdgeplaneError(
    'invalid-config',
    COMPONENT,
    `\`--approval=\` names no existing file and is not a credential${shown}`,
    {
      details: { flag: 'approval' },
      hint: 'pass a credential file path or `<payload>.<signature>` (base64url)',
    },
  );
}

/**
 * Finds the approval credential and the local trust set for a spec (reference section 3,
 * decision 6). Credential: `--approval=` first (an existing file is read; otherwise a value shaped
 * `x.y` in base64url is the credential; anything else is an error naming the flag), else
 * `approval.cred` next to the spec, else none. Keys: `signing_keys.json` next to the spec when
 * present, then each `--approval-key-set=` in order, later sets overriding keys with the same kid.
 *
 * Reads the filesystem only (no network, no env), and only regular files of at most 256 KiB
 * (`INPUT_LIMITS.credential`). Throws `EdgeplaneError`: `invalid-config` for a bad flag value, a
 * path that is not a regular file (`--approval=/dev/null`), a file over the limit, an empty
 * credential file or an invalid key set; `not-found` for a missing `--approval-key-set=` file.
 */
export async function discoverApprovalMaterial(
  options: DiscoverApprovalOptions,
): Promise<ApprovalMaterial> {
  const cwd = options.cwd ?? process.cwd();
  const specDir = dirname(resolve(cwd, options.specPath));
  let found: Pick<ApprovalMaterial, 'credential' | 'credentialSource' | 'credentialPath'>;
  if (options.approvalFlag !== undefined) {
    found = await fromFlag(options.approvalFlag, cwd);
  } else {
    const path = join(specDir, APPROVAL_FILE_NAME);
    found = (await isFile(path))
      ? {
          credential: await readCredentialFile(
            path,
            'next to the spec',
            `${APPROVAL_FILE_NAME} next to the spec`,
          ),
          credentialSource: 'spec-dir',
          credentialPath: path,
        }
      : { credential: null, credentialSource: null, credentialPath: null };
  }
  const keySources: string[] = [];
  const sets: JwkSet[] = [];
  const cache = join(specDir, KEY_SET_FILE_NAME);
  if (await isFile(cache)) {
    sets.push(await loadKeySet(cache, { from: `${KEY_SET_FILE_NAME} next to the spec` }));
    keySources.push(cache);
  }
  for (const flag of options.keySetFlags ?? []) {
    const path = resolve(cwd, flag);
    sets.push(await loadKeySet(path));
    keySources.push(path);
  }
  return { ...found, keySet: mergeKeySets(EMPTY_KEY_SET, ...sets), keySources };
}
