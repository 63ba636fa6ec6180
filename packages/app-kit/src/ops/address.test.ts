import { describe, expect, it } from 'vitest';
import { isLoopbackHost, parseOpsAddress } from './index.js';

describe('parseOpsAddress', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464, loopback: true }],
    ['localhost:0', { host: 'localhost', port: 0, loopback: true }],
    ['[::1]:9464', { host: '::1', port: 9464, loopback: true }],
    ['127.8.9.10:1', { host: '127.8.9.10', port: 1, loopback: true }],
    ['9464', { host: '127.0.0.1', port: 9464, loopback: true }],
    [':9464', { host: '127.0.0.1', port: 9464, loopback: true }],
  ])('%s', (listen, expected) => {
    expect(parseOpsAddress(listen)).toEqual(expected);
  });

  it.each([
    ['0.0.0.0:9464', '0.0.0.0 is not a loopback address and the ops endpoints are unauthenticated'],
    ['[::]:9464', ':: is not a loopback address and the ops endpoints are unauthenticated'],
    ['10.0.0.5:80', '10.0.0.5 is not a loopback address and the ops endpoints are unauthenticated'],
    ['127.0.0.1:70000', 'port 70000 is out of range 0-65535'],
    ['127.0.0.1', 'expected HOST:PORT'],
    ['::1:9464', 'expected HOST:PORT'],
    ['', 'expected HOST:PORT'],
  ])('refuses %s', (listen, why) => {
    expect(() => parseOpsAddress(listen)).toThrow(
      `[ops] invalid ops listen address ${JSON.stringify(listen)}: ${why}`,
    );
  });

  it('accepts any host when explicitly allowed', () => {
    expect(parseOpsAddress('0.0.0.0:9464', true)).toEqual({
      host: '0.0.0.0',
      port: 9464,
      loopback: false,
    });
  });

  it('knows loopback hosts', () => {
    expect(['localhost', 'LOCALHOST', '::1', '127.255.255.255'].every(isLoopbackHost)).toBe(true);
    expect(['127.0.0.256', '128.0.0.1', 'localhost.example.com', '::'].some(isLoopbackHost)).toBe(
      false,
    );
  });
});
