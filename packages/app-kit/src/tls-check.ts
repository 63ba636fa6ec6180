import { loadTls, type TlsOptions } from '@edgeplane/adapter-loop/transport';
import type { ResolvedBinding } from './deployment.js';

const FILES = ['tlsCaFile', 'tlsCertFile', 'tlsKeyFile', 'tlsKeyPassphrase'] as const;

/**
 * The TLS checks that need no server, for `validate` and for `run` before it opens: each
 * binding's TLS files are read and checked by the contract's `loadTls` (exists, regular file,
 * PEM, key matches certificate, passphrase decrypts it, client certificate not expired), and
 * `tlsVerify=false` is reported. Bindings whose transport does not declare the shared
 * `tls*` options (the file transport) are skipped.
 * @returns one warning line per binding with `tlsVerify=false`.
 * @throws EdgeplaneError `tls` / `invalid-config` naming the option, as `open()` would later.
 */
export async function checkTlsSettings(bindings: {
  readonly ingress: ResolvedBinding;
  readonly egress: ResolvedBinding;
}): Promise<string[]> {
  const warnings: string[] = [];
  for (const [role, b] of [
    ['ingress', bindings.ingress],
    ['egress', bindings.egress],
  ] as const) {
    const declared = new Set(b.descriptor.describeOptions().map((o) => o.name));
    if (!declared.has('tlsCaFile')) continue;
    const options = b.descriptor.parseOptions(b.options) as TlsOptions;
    if (FILES.some((f) => options[f] !== undefined)) {
      // the transport's parse already refused tls* options while TLS is off
      await loadTls({ ...options, tls: true }, { component: `transport:${b.descriptor.name}` });
    }
    if (options.tlsVerify === false) {
      warnings.push(
        `warning: ${role} (${b.descriptor.name}): tlsVerify=false: the server's certificate is not verified${options.tlsCaFile !== undefined ? ' (not even against tlsCaFile)' : ''}, so anyone on the network path can read and change the data; for tests only`,
      );
    }
  }
  return warnings;
}
