import { parseAdapterConfig } from '@edgeplane/adapter-loop';
import { describe, expect, it } from 'vitest';
import { checkDeadLetterTarget } from './dead-letter-target.js';

const config = (lines: string) =>
  parseAdapterConfig(`${lines}\nloop.failurePolicy=dead_letter\n`, { file: 'a.kv', env: {} });
const refused = (lines: string) => {
  try {
    checkDeadLetterTarget(config(lines), '/srv');
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};

describe('checkDeadLetterTarget', () => {
  it('refuses a dead letter that is the ingress file (relative or absolute) or the egress stream', () => {
    expect(
      refused(
        'ingress.transport=file\ningress.path=/srv/in.log\negress.transport=file\negress.path=out.log\ndead_letter.transport=file\ndead_letter.path=in.log',
      ),
    ).toBe(
      'a.kv:5:1: the dead letter writes where the ingress reads: every refused message would be read again and refused again, until the disk is full',
    );
    expect(
      refused(
        'ingress.transport=file\ningress.path=in.log\negress.transport=redis-streams\negress.url=redis://h\negress.stream=s\ndead_letter.transport=redis-streams\ndead_letter.url=redis://h\ndead_letter.stream=s',
      ),
    ).toContain('the dead letter writes where the egress writes');
  });

  it('accepts a place of its own: another path, another stream, another transport, stdout', () => {
    const base =
      'ingress.transport=file\ningress.path=in.log\negress.transport=redis-streams\negress.url=redis://h\negress.stream=s\n';
    expect(refused(`${base}dead_letter.transport=file\ndead_letter.path=dead.log`)).toBeUndefined();
    expect(
      refused(
        `${base}dead_letter.transport=redis-streams\ndead_letter.url=redis://h\ndead_letter.stream=dlq`,
      ),
    ).toBeUndefined();
    expect(refused(`${base}dead_letter.transport=nats\ndead_letter.subject=s`)).toBeUndefined();
    expect(refused(`${base}dead_letter.transport=file\ndead_letter.path=-`)).toBeUndefined();
  });
});
