import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  EdgeplaneError,
  type OutboundMessage,
  type RejectedMessage,
  type SendResult,
  sendFailed,
  sendPartial,
  sendRetryable,
} from '@edgeplane/adapter-loop/transport';
import type { S3Connection } from './client.js';
import { COMPONENT, closedError, s3Error, unframeable } from './errors.js';
import { keyTemplateOf } from './options.js';
import { SequenceStore } from './sequence.js';

const gzip = promisify(gzipCallback);
const NL = Buffer.from('\n');

/** The names of one batch: kept while the loop retries it, so a retry overwrites, never adds. */
interface Named {
  readonly first: OutboundMessage | undefined;
  readonly count: number;
  readonly seq: string;
}

/**
 * The sink side: each batch becomes one object (`framing=line`: the bodies joined by LF, with a
 * final LF, optionally gzip) or one object per message (`framing=object`), named by the key
 * template. Durable when S3 answered the PutObject (or CompleteMultipartUpload).
 */
export class S3Sink {
  private readonly template: string;
  private readonly sequence: SequenceStore;
  private named: Named | undefined;

  constructor(
    readonly conn: S3Connection,
    stateDir: string | undefined,
  ) {
    this.template = keyTemplateOf(conn.options);
    this.sequence = new SequenceStore(stateDir);
  }

  setStateDir(stateDir: string | undefined): void {
    this.sequence.stateDir ??= stateDir;
  }

  async send(batch: readonly OutboundMessage[], signal?: AbortSignal): Promise<SendResult> {
    if (this.conn.closed) return sendFailed(closedError());
    if (signal?.aborted)
      return sendFailed(
        new EdgeplaneError('cancelled', COMPONENT, 'send cancelled: the signal was aborted'),
      );
    const o = this.conn.options;
    const rejected: RejectedMessage[] = [];
    const kept: OutboundMessage[] = [];
    batch.forEach((m, index) => {
      const body = m.body;
      if (o.framing === 'line' && body.indexOf(0x0a) !== -1)
        rejected.push({
          index,
          error: unframeable(index, 'has a line feed in its body (framing=line)'),
        });
      else if (o.framing === 'line' && body.length > 0 && body[body.length - 1] === 0x0d)
        rejected.push({
          index,
          error: unframeable(index, 'ends with a carriage return (framing=line)'),
        });
      else kept.push(m);
    });
    if (kept.length === 0) return sendPartial(rejected);
    try {
      const seq = await this.seqFor(batch);
      const date = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
      const firstId = createHash('sha256')
        .update((batch[0] as { id?: string }).id ?? Buffer.from(batch[0]?.body ?? []))
        .digest('hex')
        .slice(0, 16);
      const name = (index: number) =>
        this.template
          .replaceAll('{prefix}', o.prefix)
          .replaceAll('{seq}', seq)
          .replaceAll('{firstId}', firstId)
          .replaceAll('{date}', date)
          .replaceAll('{index}', String(index).padStart(6, '0'));
      if (o.framing === 'object') {
        await Promise.all(
          kept.map((m, i) =>
            this.put(
              name(i),
              Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength),
              signal,
            ),
          ),
        );
      } else {
        const parts: Buffer[] = [];
        for (const m of kept)
          parts.push(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength), NL);
        let body = Buffer.concat(parts);
        if (o.compression === 'gzip') body = await gzip(body);
        await this.put(name(0), body, signal);
      }
      this.named = undefined;
      this.conn.ok();
      return sendPartial(rejected);
    } catch (error) {
      const e = EdgeplaneError.from(error, COMPONENT);
      this.conn.failed(e);
      return e.retryable ? sendRetryable(e) : sendFailed(e);
    }
  }

  /** The batch's sequence: the one of the batch the loop is retrying, or a new one reserved in the lane. */
  private async seqFor(batch: readonly OutboundMessage[]): Promise<string> {
    const named = this.named;
    if (named && named.first === batch[0] && named.count === batch.length) return named.seq;
    const seq = await this.sequence.next();
    this.named = { first: batch[0], count: batch.length, seq };
    return seq;
  }

  private async put(key: string, body: Buffer, signal: AbortSignal | undefined): Promise<void> {
    const o = this.conn.options;
    const client = await this.conn.prepare();
    const headers = {
      Bucket: o.bucket,
      Key: key,
      ContentType: o.framing === 'object' ? 'application/octet-stream' : o.contentType,
      ...(o.compression === 'gzip' && o.framing === 'line' ? { ContentEncoding: 'gzip' } : {}),
    };
    const context = {
      action: `write object "${key}" to bucket "${o.bucket}"`,
      server: this.conn.server.label,
    };
    if (body.length <= o.multipartThresholdBytes) {
      try {
        await client.send(
          new PutObjectCommand({ ...headers, Body: body, ContentLength: body.length }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw s3Error(error, context);
      }
      return;
    }
    let uploadId: string | undefined;
    try {
      const created = await client.send(new CreateMultipartUploadCommand(headers), {
        abortSignal: signal,
      });
      uploadId = created.UploadId;
      const parts: { ETag: string | undefined; PartNumber: number }[] = [];
      for (let offset = 0, n = 1; offset < body.length; offset += o.partSizeBytes, n++) {
        const chunk = body.subarray(offset, Math.min(body.length, offset + o.partSizeBytes));
        const part = await client.send(
          new UploadPartCommand({
            Bucket: o.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: n,
            Body: chunk,
            ContentLength: chunk.length,
          }),
          { abortSignal: signal },
        );
        parts.push({ ETag: part.ETag, PartNumber: n });
      }
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: o.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (uploadId)
        await client
          .send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: key, UploadId: uploadId }))
          .catch(() => {});
      throw s3Error(error, { ...context, action: `${context.action} (multipart)` });
    }
  }
}
