import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  type ConnectionState,
  diagnoseTlsMismatch,
  type EdgeplaneError,
  loadTls,
  type OpenContext,
  tlsConnectOptions,
} from '@edgeplane/adapter-loop/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { COMPONENT, nativeCode, s3Error } from './errors.js';
import { type ResolvedS3Options, TLS_ENABLE_HINT, tlsEnabled } from './options.js';

/** Codes that mean the server refuses this adapter for good (reported as state `failed`). */
const FATAL: ReadonlySet<string> = new Set([
  'unauthenticated',
  'permission-denied',
  'tls',
  'invalid-config',
  'not-found',
]);

/** Host and port of the endpoint, for messages (never credentials). */
export function serverOf(options: ResolvedS3Options): {
  host: string;
  port: number;
  label: string;
} {
  if (options.endpoint === undefined) {
    const region =
      options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const host = `s3.${region}.amazonaws.com`;
    return { host, port: 443, label: `${host}:443` };
  }
  const u = new URL(options.endpoint);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port, label: `${u.hostname}:${port}` };
}

/**
 * The S3 client of one transport and its health: one keep-alive agent (with this adapter's TLS
 * settings, nothing process-wide), SDK retries off (the loop and the source's backoff retry),
 * and the connection state reported to the loop (`ready`, `reconnecting` with the error).
 */
export class S3Connection {
  client: S3Client | undefined;
  readonly server: { host: string; port: number; label: string };
  state: ConnectionState = 'connecting';
  closed = false;
  /** The last failure, named in the text of retryable results while down. */
  lastError: EdgeplaneError | undefined;
  private notify: OpenContext['onStateChange'];
  private agents: { destroy(): void }[] = [];

  constructor(readonly options: ResolvedS3Options) {
    this.server = serverOf(options);
  }

  listen(onStateChange: OpenContext['onStateChange']): void {
    this.notify = onStateChange;
  }

  /** Reads the TLS files (a wrong one is a `tls` error at once) and builds the client. Idempotent. */
  async prepare(): Promise<S3Client> {
    if (this.client) return this.client;
    const o = this.options;
    const tls = await loadTls(o, {
      component: COMPONENT,
      enabled: tlsEnabled(o),
      enableHint: TLS_ENABLE_HINT,
    });
    const httpsAgent = new HttpsAgent({
      keepAlive: true,
      maxSockets: 16,
      ...(tls ? tlsConnectOptions(tls, this.server.host) : {}),
    });
    const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
    this.agents = [httpsAgent, httpAgent];
    const when = o.checksums === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
    // The SDK warns on Node < 22 (once per process, on stderr) that *future* SDK releases will
    // need Node 22; this package pins its SDK version, so the warning says nothing to an
    // operator. Its documented opt-out, unless the environment already decides.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client ??= new S3Client({
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      forcePathStyle: o.forcePathStyle,
      requestChecksumCalculation: when,
      responseChecksumValidation: when,
      maxAttempts: 1,
      ...(o.accessKeyId && o.secretAccessKey
        ? {
            credentials: {
              accessKeyId: o.accessKeyId,
              secretAccessKey: o.secretAccessKey,
              ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}),
            },
          }
        : {}),
      requestHandler: new NodeHttpHandler({
        httpAgent,
        httpsAgent,
        connectionTimeout: o.connectTimeoutMs,
        requestTimeout: o.requestTimeoutMs,
      }),
    });
    return this.client;
  }

  /**
   * Checks the endpoint, the credentials and the bucket with one `ListObjectsV2` (1 key under
   * `prefix`), and resolves with that listing. A sink whose credentials may not list
   * (`AccessDenied`) is let through (resolves `undefined`): it may still put. A failed
   * plaintext/TLS mismatch is explained (`tls` naming option `tls`).
   * @throws EdgeplaneError mapped by `s3Error`.
   */
  async check(
    role: 'ingress' | 'egress' | undefined,
    signal?: AbortSignal,
  ): Promise<ListObjectsV2CommandOutput | undefined> {
    const client = await this.prepare();
    try {
      return await client.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: this.options.prefix,
          MaxKeys: 1,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (role !== 'ingress' && nativeCode(error) === 'AccessDenied') return undefined;
      const mapped = s3Error(error, {
        action: `list bucket "${this.options.bucket}"`,
        server: this.server.label,
      });
      if (
        mapped.code === 'unavailable' ||
        mapped.code === 'internal' ||
        mapped.code === 'invalid-input'
      ) {
        const tls = await diagnoseTlsMismatch(this.server.host, this.server.port, {
          component: COMPONENT,
          tls: tlsEnabled(this.options),
          enableHint: TLS_ENABLE_HINT,
          disableHint: 'use an http:// endpoint for a plaintext port',
        });
        if (tls) throw tls;
      }
      throw mapped;
    }
  }

  /** A request succeeded: `ready` again after failures. */
  ok(): void {
    if (this.state !== 'ready' && !this.closed) {
      this.state = 'ready';
      this.emit('ready');
    }
  }

  /**
   * A request failed: `reconnecting` when it may pass (the connection or the server), `failed`
   * when the server refuses this adapter for good (credentials, permissions, TLS, a missing
   * bucket, a wrong region): the loop stops on it. A refusal of one request's content
   * (`invalid-input`, `too-large`) changes no state.
   */
  failed(error: EdgeplaneError): void {
    if (this.closed) return;
    this.lastError = error;
    const fatal = FATAL.has(error.code);
    if (!error.retryable && !fatal) return;
    this.state = error.retryable ? 'reconnecting' : 'failed';
    this.emit(this.state, error);
  }

  private emit(state: ConnectionState, error?: EdgeplaneError): void {
    try {
      this.notify?.(state, error);
    } catch {
      // a listener never breaks the transport
    }
  }

  /** Idempotent; never rejects. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.state = 'closed';
    this.client?.destroy();
    for (const agent of this.agents) agent.destroy();
  }
}
