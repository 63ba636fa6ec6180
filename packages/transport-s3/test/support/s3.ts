import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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

/** Writes `lines` as objects of `perObject` lines each (`<prefix>00000.log`, ...), 8 at a time. */
export async function seedLines(
  client: S3Client,
  prefix: string,
  lines: readonly string[],
  perObject: number,
): Promise<void> {
  const keys: [string, string][] = [];
  for (let i = 0; i < lines.length; i += perObject)
    keys.push([
      `${prefix}${String(i / perObject).padStart(5, '0')}.log`,
      `${lines.slice(i, i + perObject).join('\n')}\n`,
    ]);
  for (let i = 0; i < keys.length; i += 8)
    await Promise.all(
      keys
        .slice(i, i + 8)
        .map(([Key, Body]) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }))),
    );
}

/** Every line of every object under `prefix`, objects in key order. */
export async function readLinesUnder(client: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    for (const c of page.Contents ?? []) if (c.Key && !c.Key.endsWith('/')) keys.push(c.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const bodies = await Promise.all(
    keys.map(async (Key) => {
      const answer = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
      return answer.Body?.transformToString() ?? '';
    }),
  );
  return bodies.flatMap((b) => b.split('\n').slice(0, -1));
}
