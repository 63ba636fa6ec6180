import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { canConnectForTest, s3Server, uniqueName } from './helpers.js';

describe('s3Server', () => {
  it('starts s3rver on a free loopback port, serves S3 calls, and stops', async () => {
    const server = await s3Server()();
    const port = Number(new URL(server.url).port);
    try {
      const s3 = new S3Client({
        endpoint: server.url,
        region: server.region,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        forcePathStyle: server.forcePathStyle,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      const Bucket = uniqueName('ep-bucket');
      await s3.send(new CreateBucketCommand({ Bucket }));
      for (const Key of ['a', 'b', 'c']) {
        await s3.send(new PutObjectCommand({ Bucket, Key, Body: `body-${Key}` }));
      }
      // paginated listing: the case that needs --openssl-legacy-provider in the s3rver process
      const first = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 2 }));
      expect(first.Contents?.map((o) => o.Key)).toEqual(['a', 'b']);
      const rest = await s3.send(
        new ListObjectsV2Command({
          Bucket,
          MaxKeys: 2,
          ContinuationToken: first.NextContinuationToken,
        }),
      );
      expect(rest.Contents?.map((o) => o.Key)).toEqual(['c']);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'b' }));
      expect(await got.Body?.transformToString()).toBe('body-b');
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a' }));
      s3.destroy();
    } finally {
      await server.stop();
    }
    expect(await canConnectForTest(port)).toBe(false);
  });
});
