/** Placeholder written instead of a secret. */
export const REDACTED = '[redacted]';

/**
 * Replaces every occurrence of each known secret value (≥ 4 chars), the password of every
 * `user:password@` URL credential and a bare `token@` URL userinfo in `text` with `[redacted]`.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*):([^/@\s]+)@/gi, `$1$2:${REDACTED}@`)
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)([^/@\s:]+)@/gi, `$1${REDACTED}@`);
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join(REDACTED);
  }
  return out;
}

/**
 * Key names that hold secrets: password, passphrase, secret, token, api key, credential, private
 * key, auth, cookie, JWT, bearer, JAAS, seed, nkey, `access key` (`ACCESSKEY`, `S3_ACCESS_KEY_ID`,
 * not `accessKeyId`), `PAT` / `KEY` as a whole `_`-separated word (`GH_PAT`, `GPG_KEY`) and `PW` /
 * `PWD` after a `_` (`SCRAM_PW`, `MYSQL_PWD`; not the shell's `PWD`, which is the working
 * directory). A name pattern cannot be complete: the incident bundle records the values of an
 * allow-list of variables only (app-kit `environmentRecord`), this pattern redacts within it.
 */
export const SECRET_KEY_PATTERN: RegExp =
  /pass(word|phrase)?|secret|token|api[_-]?key|credential|private[_-]?key|auth|cookie|jwt|bearer|jaas|seed|nkey|access[_-]?key($|_)|(^|_)(pat|key)($|_)|_pwd?($|_)/i;

/** Names whose value is where a secret lives, not the secret: `nkeySeedFile`, `TOKEN_PATH`. */
const LOCATION_SUFFIX = /(file|path|dir)$/i;

/**
 * True when a config or environment key names a secret (`SECRET_KEY_PATTERN`, or a last dotted
 * segment ending in `pw`, `pwd`, `key`, `hmac` or `dsn` as a word or a camelCase word), unless it names
 * where one is kept (ends in `File`, `Path` or `Dir`): a path is printed, so an error about the
 * file can name it.
 */
export function isSecretKey(key: string): boolean {
  if (LOCATION_SUFFIX.test(key)) return false;
  if (SECRET_KEY_PATTERN.test(key)) return true;
  // Config keys are dotted and camelCase (`stages.sign.signingKey`, `stages.db.pwd`): their last
  // segment ending in a secret word counts too. The shell's own PWD/OLDPWD are paths.
  const last = key.slice(key.lastIndexOf('.') + 1);
  if (last === 'PWD' || last === 'OLDPWD') return false;
  return SECRET_WORD_END.test(last) || SECRET_CAMEL_END.test(last);
}

/** A last segment that is, or ends in `_`/`-` plus, a secret word: `pwd`, `db_pw`, `key`, `dsn`. */
const SECRET_WORD_END = /(^|[_-])(pwd?|key|hmac|dsn)$/i;
/** A camelCase last segment ending in a secret word: `dbPwd`, `signingKey`, `privKey`. */
const SECRET_CAMEL_END = /[a-z0-9](Pwd?|Key|Hmac|Dsn)$/;
