import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startS3Proxy } from '../src/index.js';
import { canConnectForTest } from './helpers.js';

const client = (url: string, secretAccessKey: string) =>
  new S3Client({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'edgeplane', secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

describe('startS3Proxy', () => {
  it('serves S3 with signatures checked, keeps its data across kill and start, and stops', async () => {
    const server = await startS3Proxy({ buckets: ['bucket-one'] });
    try {
      const s3 = client(server.url, server.secretAccessKey);
      await s3.send(new PutObjectCommand({ Bucket: 'bucket-one', Key: 'k', Body: 'kept' }));
      const wrong = client(server.url, 'not-the-secret');
      await expect(
        wrong.send(new ListObjectsV2Command({ Bucket: 'bucket-one' })),
      ).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
      });
      wrong.destroy();
      await server.kill();
      await server.start(); // same port, same directory
      const got = await s3.send(new GetObjectCommand({ Bucket: 'bucket-one', Key: 'k' }));
      expect(await got.Body?.transformToString()).toBe('kept');
      s3.destroy();
    } finally {
      await server.stop();
    }
    // The port is closed once the process has finished exiting.
    let open = true;
    for (let i = 0; i < 50 && open; i++) {
      open = await canConnectForTest(server.port);
      if (open) await new Promise((r) => setTimeout(r, 100));
    }
    expect(open).toBe(false);
  }, 120_000);
});
