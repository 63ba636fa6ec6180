/**
 * Imports a module from the CLI's own location, so the transport packages the CLI depends on
 * (`@edgeplane/transport-*`) resolve when the adapter config names them.
 */
export const importFromCli = (specifier: string): Promise<unknown> => import(specifier);

/** First-party transports, tried by `edgeplane transports` (those installed are listed). */
export const FIRST_PARTY_TRANSPORTS: readonly string[] = [
  'file',
  'http',
  'grpc',
  'websocket',
  'kafka',
  'nats',
  'redis-streams',
  'rabbitmq-streams',
  's3',
  'postgres',
];
