import { Redis } from 'ioredis';

/** Deletes test keys (streams) on the server at `url`. */
export async function deleteKeys(url: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}
