import { isEdgeplaneError } from '@edgeplane/errors';
import type { TransportDescriptor } from '../transport/types.js';
import { type AdapterConfig, type BindingConfig, configSecrets } from './adapter-config.js';
import { ConfigError, redactConfigError } from './config-error.js';

/**
 * Validates a binding's options with its transport's own schema; a rejected option is reported
 * at its line in the config (`adapters.kv:4:14: ingress.maxLineBytes: ...`). The message never
 * shows a secret: a value of a secret option, or one built from a secret-named variable
 * (`retries=${KAFKA_PASSWORD}` by mistake), is `[redacted]` in it.
 * @throws ConfigError for any option the transport rejects.
 */
export function bindingOptions<O>(
  config: AdapterConfig,
  binding: BindingConfig,
  descriptor: TransportDescriptor<O>,
): O {
  try {
    return descriptor.parseOptions(binding.options);
  } catch (error) {
    if (!isEdgeplaneError(error)) throw error;
    const option = typeof error.details?.option === 'string' ? error.details.option : '';
    const key = option ? `${binding.role}.${option}` : `${binding.role}.transport`;
    const entry =
      config.entries.find((e) => e.key === key) ??
      config.entries.find((e) => e.key === `${binding.role}.transport`);
    const place = { file: config.file, line: entry?.line ?? 1, column: entry?.column ?? 1, key };
    const secretOptions = descriptor
      .describeOptions()
      .filter((o) => o.secret)
      .map((o) => `${binding.role}.${o.name}`);
    const detail = `${binding.role} (${descriptor.name}): ${error.detail}`;
    const hint = error.hint ?? `see docs/transports/${descriptor.name}.md`;
    throw redactConfigError(
      new ConfigError(place, detail, hint, error),
      configSecrets(config, secretOptions),
    );
  }
}
