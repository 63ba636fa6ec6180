import { readFileSync, writeFileSync } from 'node:fs';
import { TestServerError } from './errors.js';
import { exec, tail, which } from './exec.js';
import { canConnect, waitForTcp } from './net.js';

/** The broker config this package edits (override with EDGEPLANE_RABBITMQ_CONF). */
export function rabbitmqConfPath(): string {
  return process.env.EDGEPLANE_RABBITMQ_CONF || '/etc/rabbitmq/rabbitmq.conf';
}

/** Settings the stream client needs: it reconnects to the advertised host, so pin loopback. */
export const STREAM_SETTINGS: Readonly<Record<string, string>> = {
  'stream.listeners.tcp.local': '127.0.0.1:5552',
  'stream.advertised_host': '127.0.0.1',
  'stream.advertised_port': '5552',
};

const ROOT_HINT =
  'run `node packages/test-servers/dist/cli.js setup-machine` as root (it enables the ' +
  'rabbitmq_stream plugin and pins stream.advertised_host), or set EDGEPLANE_RABBITMQ_STREAM_URL';

/**
 * Sets each `key = value` in a rabbitmq.conf text, replacing a line with the same key or
 * appending. Pure: returns the new text and whether anything changed.
 */
export function applyConfSettings(
  text: string,
  settings: Readonly<Record<string, string>>,
): { text: string; changed: boolean } {
  const lines = text.length ? text.replace(/\n$/, '').split('\n') : [];
  let changed = false;
  for (const [key, value] of Object.entries(settings)) {
    const wanted = `${key} = ${value}`;
    const index = lines.findIndex((l) => l.split('=')[0]?.trim() === key);
    if (index === -1) {
      if (!lines.some((l) => l.includes('@edgeplane/test-servers'))) {
        lines.push('# stream settings managed by @edgeplane/test-servers');
      }
      lines.push(wanted);
      changed = true;
    } else if (lines[index]?.split('=').slice(1).join('=').trim() !== value) {
      lines[index] = wanted;
      changed = true;
    }
  }
  return { text: `${lines.join('\n')}\n`, changed };
}

function readConf(): string {
  try {
    return readFileSync(rabbitmqConfPath(), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

/** True when the broker config already has the stream settings (unreadable counts as unknown → true). */
export function streamConfIsCurrent(): boolean {
  try {
    return !applyConfSettings(readConf(), STREAM_SETTINGS).changed;
  } catch {
    return true;
  }
}

async function run(tool: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  const bin = which(tool);
  if (!bin) {
    throw new TestServerError(
      'rabbitmq-stream',
      `\`${tool}\` not found`,
      'install RabbitMQ (`apt-get install -y rabbitmq-server`), or set EDGEPLANE_RABBITMQ_STREAM_URL',
    );
  }
  const result = await exec(bin, args, { timeoutMs });
  if (result.code !== 0) {
    throw new TestServerError(
      'rabbitmq-stream',
      `\`${tool} ${args.join(' ')}\` failed (exit ${result.code}):\n${tail(`${result.stdout}\n${result.stderr}`)}`,
      ROOT_HINT,
    );
  }
  return result.stdout;
}

async function startBroker(): Promise<void> {
  // `rabbitmqctl await_startup` right after -detached fails (exit 69): poll the ports instead
  await run('rabbitmq-server', ['-detached']);
  await waitForTcp('127.0.0.1', 5672, 90_000);
}

/**
 * Idempotent machine setup for RabbitMQ Streams (needs root): starts RabbitMQ if it is down,
 * writes the stream settings into rabbitmq.conf if they differ, enables `rabbitmq_stream`, and
 * restarts the broker only when the config changed or 5552 still does not answer.
 * Resolves with what it did, for logs.
 */
export async function setupRabbitmqStream(): Promise<string[]> {
  const did: string[] = [];
  if (!(await canConnect('127.0.0.1', 5672))) {
    await startBroker();
    did.push('started rabbitmq-server');
  }
  const { text, changed } = applyConfSettings(readConf(), STREAM_SETTINGS);
  if (changed) {
    try {
      writeFileSync(rabbitmqConfPath(), text);
    } catch (error) {
      throw new TestServerError(
        'rabbitmq-stream',
        `cannot write ${rabbitmqConfPath()}: ${(error as Error).message}`,
        ROOT_HINT,
        { cause: error },
      );
    }
    did.push(`wrote stream settings to ${rabbitmqConfPath()}`);
  }
  const enabled = (await run('rabbitmq-plugins', ['list', '-e', '-m'])).split(/\s+/);
  if (!enabled.includes('rabbitmq_stream')) {
    await run('rabbitmq-plugins', ['enable', 'rabbitmq_stream']);
    did.push('enabled rabbitmq_stream');
  }
  const answering = async (): Promise<boolean> =>
    waitForTcp('127.0.0.1', 5552, 10_000).then(
      () => true,
      () => false,
    );
  if (changed || !(await answering())) {
    await run('rabbitmqctl', ['shutdown']);
    await startBroker();
    did.push('restarted rabbitmq-server');
  }
  return did;
}
