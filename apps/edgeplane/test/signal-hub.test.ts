import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installSignalHub } from '../src/signals.js';

function hub() {
  const target = new EventEmitter();
  const lines: string[] = [];
  const exits: number[] = [];
  const signals = installSignalHub(
    (l) => lines.push(l),
    (c) => exits.push(c),
    target,
  );
  return { target, lines, exits, signals };
}

describe('installSignalHub', () => {
  it('with nobody subscribed (the CLI still loading, a verb without a graceful stop): one line, exit 143/130', () => {
    const h = hub();
    h.target.emit('SIGTERM');
    expect(h.lines).toEqual([
      'edgeplane: stopped by SIGTERM; no loop was running, nothing was moved\n',
    ]);
    expect(h.exits).toEqual([143]);
    const i = hub();
    i.target.emit('SIGINT');
    expect(i.exits).toEqual([130]);
  });

  it('while run is subscribed, the signal goes to it and nothing exits', () => {
    const h = hub();
    const got: string[] = [];
    const off = h.signals.subscribe((s) => got.push(s));
    h.target.emit('SIGTERM');
    h.target.emit('SIGINT');
    expect(got).toEqual(['SIGTERM', 'SIGINT']);
    expect(h.exits).toEqual([]);
    off();
    h.target.emit('SIGTERM');
    expect(h.exits).toEqual([143]);
  });

  it('after the verb finished, a signal exits with the verb’s own code, quietly', () => {
    const h = hub();
    h.signals.finished(2);
    h.target.emit('SIGTERM');
    expect([h.exits, h.lines]).toEqual([[2], []]);
  });
});
