// Hosts s3rver for @edgeplane/test-servers. Must run under `node --openssl-legacy-provider`
// (without it paginated ListObjectsV2 answers 500). Usage: s3rver-child.mjs <port> <directory>.
// Prints one JSON line {"port": n} once listening; exits when stdin closes (parent gone) or on
// SIGTERM/SIGINT.
import S3rver from 's3rver';

const [port = '0', directory] = process.argv.slice(2);
if (!directory) {
  process.stderr.write('usage: s3rver-child.mjs <port> <directory>\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: Number(port), directory, silent: true });
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => {});
  process.exit(0);
};
process.stdin.on('end', shutdown).on('error', shutdown).resume();
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
