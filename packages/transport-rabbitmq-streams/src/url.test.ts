import { describe, expect, it } from 'vitest';
import { connectionTarget, isTlsUrl, urlProblem } from './url.js';

describe('url', () => {
  it('defaults port 5552, guest/guest and vhost /', () => {
    expect(connectionTarget('rabbitmq-stream://broker', {})).toEqual({
      hostname: 'broker',
      port: 5552,
      username: 'guest',
      password: 'guest',
      vhost: '/',
      tls: false,
      where: 'broker:5552',
    });
  });

  it('rabbitmq-stream+tls:// turns TLS on, port 5551 by default; so does tls=true', () => {
    expect(connectionTarget('rabbitmq-stream+tls://u:p@broker/v', {})).toEqual({
      hostname: 'broker',
      port: 5551,
      username: 'u',
      password: 'p',
      vhost: 'v',
      tls: true,
      where: 'broker:5551',
    });
    expect(connectionTarget('rabbitmq-stream://broker', { tls: true })).toMatchObject({
      tls: true,
      port: 5551,
    });
    expect(connectionTarget('rabbitmq-stream://broker:5552', { tls: true }).port).toBe(5552);
    expect(isTlsUrl('rabbitmq-stream+tls://h')).toBe(true);
    expect(isTlsUrl('rabbitmq-stream://h')).toBe(false);
    expect(urlProblem('rabbitmq-stream+tls://h:5551/v')).toBeUndefined();
  });

  it('decodes user info and the vhost; username / password options win', () => {
    const t = connectionTarget('rabbitmq-stream://a%40b:p%2Fw@[::1]:6000/my%2Fvhost', {});
    expect(t).toMatchObject({
      hostname: '::1',
      port: 6000,
      username: 'a@b',
      password: 'p/w',
      vhost: 'my/vhost',
    });
    expect(t.where).toBe('[::1]:6000');
    expect(connectionTarget('rabbitmq-stream://a:b@h/%2F', { password: 'x' })).toMatchObject({
      username: 'a',
      password: 'x',
      vhost: '/',
    });
  });

  it('names the problem of a bad url', () => {
    expect(urlProblem('rabbitmq-stream://h:5552/v')).toBeUndefined();
    expect(urlProblem('rabbitmq://h')).toMatch(/^expected rabbitmq-stream\[\+tls\]:\/\//);
    expect(urlProblem('rabbitmq-stream://h/v?x=1')).toMatch(/no query or fragment/);
    expect(urlProblem('rabbitmq-stream://')).toMatch(/^expected/);
  });
});
