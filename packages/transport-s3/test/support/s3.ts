import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  type PrivateS3Proxy,
  type S3TestServer,
  startS3,
  startS3Proxy,
} from '@edgeplane/test-servers';

/** The bucket every test of this package uses; tests isolate by prefix (`<ns>/`). */
export const BUCKET = 'edgeplane-test';

/** A raw SDK client for checks (the settings s3rver needs, see services.md "S3"). */
export function rawClient(server: S3TestServer, endpoint: string = server.url): S3Client {
  return new S3Client({
    endpoint,
    region: server.region,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
}

/** Creates `bucket` on `server` (an existing one is fine). */
export async function createBucket(server: S3TestServer, bucket: string = BUCKET): Promise<void> {
  const client = rawClient(server);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  } finally {
    client.destroy();
  }
}

/** Starts s3rver (or uses EDGEPLANE_S3_URL) and creates `BUCKET` there. */
export async function startS3WithBucket(): Promise<S3TestServer> {
  const server = await startS3();
  await createBucket(server);
  return server;
}

/** Starts a private S3Proxy (filesystem backend, signatures checked) and creates `BUCKET`. */
export async function startS3ProxyWithBucket(): Promise<PrivateS3Proxy> {
  const server = await startS3Proxy();
  await createBucket(server);
  return server;
}

/** Transport options for `server` (credentials given as options). */
/** What `optionsFor` returns. */
export interface TestOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly forcePathStyle: true;
  readonly bucket: string;
  readonly prefix: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export function optionsFor(
  server: S3TestServer,
  prefix: string,
  endpoint: string = server.url,
): TestOptions {
  return {
    endpoint,
    region: server.region,
    forcePathStyle: true,
    bucket: BUCKET,
    prefix,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
  };
}
