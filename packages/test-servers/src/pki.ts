import 'reflect-metadata';
import { createPrivateKey, KeyObject, webcrypto } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

// Web Crypto types from node:crypto (the DOM lib is not loaded; @types/node declares these
// names as values only)
type Crypto = webcrypto.Crypto;
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** One certificate and its private key, as PEM file paths. */
export interface TestCertificate {
  /** PEM certificate file. */
  readonly cert: string;
  /** PEM private key file (PKCS#8, unencrypted). */
  readonly key: string;
}

/**
 * A throwaway PKI for TLS tests, generated at test time (ECDSA P-256, nothing checked in).
 * Server certificates name `localhost` and `127.0.0.1`, except where said.
 */
export interface TestPki {
  readonly dir: string;
  /** The CA that signed `server`, `client`, `clientExpired`, `serverExpired`, `serverWrongHost`. */
  readonly ca: string;
  /** The CA's private key (to sign more). */
  readonly caKey: string;
  /** A CA nobody trusts: it signed `serverOtherCa` and `clientOtherCa`. */
  readonly otherCa: string;
  readonly server: TestCertificate;
  /** Expired yesterday. */
  readonly serverExpired: TestCertificate;
  /** Names only `wrong-host.invalid`. */
  readonly serverWrongHost: TestCertificate;
  /** Signed by `otherCa`. */
  readonly serverOtherCa: TestCertificate;
  /** A client certificate (CN `edgeplane-client`) for mutual TLS. */
  readonly client: TestCertificate;
  /** `client.key` encrypted (PKCS#8, AES-256-CBC) with `passphrase`. */
  readonly clientKeyEncrypted: string;
  readonly passphrase: string;
  readonly clientExpired: TestCertificate;
  /** Signed by `otherCa`. */
  readonly clientOtherCa: TestCertificate;
  /** A file that is not PEM. */
  readonly notPem: string;
  /** `server.cert` + `ca` in one file (a full chain, for servers that want one). */
  readonly serverChain: string;
}

interface Issuer {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function pemKey(key: CryptoKey): string {
  return KeyObject.from(key).export({ format: 'pem', type: 'pkcs8' }) as string;
}

let serial = 1;

async function createCa(name: string): Promise<Issuer> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 30 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function issue(
  issuer: Issuer,
  subject: string,
  usage: 'server' | 'client',
  names: readonly { type: 'dns' | 'ip'; value: string }[],
  validity: { notBefore: Date; notAfter: Date },
): Promise<{ cert: string; key: string }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject: `CN=${subject}`,
    issuer: issuer.cert.subject,
    ...validity,
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension([...names])] : []),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: pemKey(keys.privateKey) };
}

const LOCAL = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
] as const;

let cached: Promise<TestPki> | undefined;

/**
 * Generates the test PKI into a fresh temporary directory (once per process; later calls get
 * the same one). Takes about 100 ms.
 * @returns the file paths of every certificate and key.
 */
export function createTestPki(): Promise<TestPki> {
  cached ??= generate();
  return cached;
}

async function generate(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'edgeplane-pki-'));
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  const pair = (name: string, made: { cert: string; key: string }): TestCertificate => ({
    cert: write(`${name}.pem`, made.cert),
    key: write(`${name}.key`, made.key),
  });
  const now = Date.now();
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) };
  const expired = { notBefore: new Date(now - 3 * DAY), notAfter: new Date(now - DAY) };
  const ca = await createCa('edgeplane test CA');
  const other = await createCa('edgeplane untrusted CA');
  const serverMade = await issue(ca, 'localhost', 'server', LOCAL, valid);
  const clientMade = await issue(ca, 'edgeplane-client', 'client', [], valid);
  const passphrase = 'test-pki-passphrase';
  const clientKeyEncrypted = createPrivateKey(clientMade.key).export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase,
  }) as string;
  return {
    dir,
    ca: write('ca.pem', ca.cert.toString('pem')),
    caKey: write('ca.key', pemKey(ca.keys.privateKey)),
    otherCa: write('other-ca.pem', other.cert.toString('pem')),
    server: pair('server', serverMade),
    serverExpired: pair('server-expired', await issue(ca, 'localhost', 'server', LOCAL, expired)),
    serverWrongHost: pair(
      'server-wrong-host',
      await issue(
        ca,
        'wrong-host.invalid',
        'server',
        [{ type: 'dns', value: 'wrong-host.invalid' }],
        valid,
      ),
    ),
    serverOtherCa: pair('server-other-ca', await issue(other, 'localhost', 'server', LOCAL, valid)),
    client: pair('client', clientMade),
    clientKeyEncrypted: write('client-encrypted.key', clientKeyEncrypted),
    passphrase,
    clientExpired: pair(
      'client-expired',
      await issue(ca, 'edgeplane-client', 'client', [], expired),
    ),
    clientOtherCa: pair(
      'client-other-ca',
      await issue(other, 'edgeplane-client', 'client', [], valid),
    ),
    notPem: write('not-pem.txt', 'this is not a PEM file\n'),
    serverChain: write('server-chain.pem', `${serverMade.cert}\n${ca.cert.toString('pem')}`),
  };
}
