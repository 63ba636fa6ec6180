import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG, cli, workdir } from './helpers.js';

// parse:apache_error → filter → map, configured by stages.<id>.* in the adapter config
const SPEC = [
  'v=1',
  'name=t',
  'single_ring.stages.0.id=parse',
  'single_ring.stages.0.stage=parse:apache_error',
  'single_ring.stages.1.id=errors',
  'single_ring.stages.1.stage=filter',
  'single_ring.stages.1.depends_on=0',
  'single_ring.stages.2.id=shape',
  'single_ring.stages.2.stage=map',
  'single_ring.stages.2.depends_on=1',
  '',
].join('\n');
const SETTINGS =
  'stages.errors.expression=level == "error"\nstages.shape.expression={"at": time, "msg": message}\n';
const INPUT = [
  '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
  '[Sun Dec 04 04:51:18 2005] [error] mod_jk child workerEnv in error state 6',
  '[Sun Dec 04 04:52:04 2005] [notice] jk2_init() Found child 6736 in scoreboard slot 10',
  '[Sun Dec 04 06:01:00 2005] [error] [client 10.0.0.7] Directory index forbidden by rule: /var/www/html/',
].join('\r\n');

describe('transform stages through the CLI', () => {
  it('runs parse:apache_error → filter → map; the snapshot counts what the filter dropped', async () => {
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS, 'in.log': INPUT });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toBe(
      '{"at":"Sun Dec 04 04:51:18 2005","msg":"mod_jk child workerEnv in error state 6"}\n' +
        '{"at":"Sun Dec 04 06:01:00 2005","msg":"Directory index forbidden by rule: /var/www/html/"}\n',
    );
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ingressMessages: 4, egressMessages: 2, ackedMessages: 4 });
    // per-stage `filtered` counts are kept by the loop; the snapshot shows their sum
    expect(doc.snapshot).toMatchObject({ dropped_messages: 2, acked_messages: 4 });
  });

  it.each([
    [
      'stages.errors.expression=level ==\n',
      '`stages.errors.expression` does not compile at column 9',
    ],
    ['stages.errors.expresion=true\n', '`stages.errors.expresion` is not a setting of this stage'],
    ['stages.shape.expression={"a": }\n', '`stages.shape.expression` does not compile at column 7'],
  ])('a bad setting exits 2 before anything is consumed: %s', async (line, message) => {
    const settings = SETTINGS.split('\n')
      .filter((l) => !l.startsWith(line.slice(0, line.indexOf('.', 7))))
      .join('\n');
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${CONFIG}${settings}\n${line}`,
      'in.log': INPUT,
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(cwd, 'out.log')) ? readFileSync(join(cwd, 'out.log'), 'utf8') : '').toBe(
      '',
    );
    // nothing consumed: a good run afterwards moves every line from the start
    const good = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS, 'in.log': INPUT });
    expect(
      (await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd: good })).code,
    ).toBe(0);
  });

  it('a line that does not parse stops the pipeline (stop_pipeline, exit 2), naming the stage and the line', async () => {
    const input = `${INPUT}\r\nnot an apache line\r\n[Sun Dec 04 07:00:00 2005] [error] after`;
    const cwd = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS, 'in.log': input });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'stage "parse" (index 0, parse:apache_error) refused a message: [stage:parse] cannot parse as apache_error: does not match the Apache error log format',
    );
    expect(r.stderr).toMatch(/in\.log line 5 byte 360/);
    expect(r.stderr).toContain(
      'the 2 message(s) before it in its batch were delivered and acknowledged',
    );
    expect(readFileSync(join(cwd, 'out.log'), 'utf8').split('\n')).toHaveLength(3);
  });

  it('dead_letter: a line that does not parse goes to the dead letter with the stage and its position; the rest goes on', async () => {
    const input = `${INPUT}\r\nnot an apache line\r\n[Sun Dec 04 07:00:00 2005] [error] after`;
    const dl =
      'loop.failurePolicy=dead_letter\ndead_letter.transport=file\ndead_letter.path=${EDGEPLANE_CONFIG_DIR}/dead.ndjson\n';
    const cwd = workdir({
      'spec.kv': SPEC,
      'adapters.kv': CONFIG + SETTINGS + dl,
      'in.log': input,
    });
    const r = await cli(['run', '--spec=spec.kv', '--lane-path=lane', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ingressMessages: 6,
      egressMessages: 3,
      ackedMessages: 6,
      deadLetteredMessages: 1,
    });
    expect(readFileSync(join(cwd, 'out.log'), 'utf8')).toContain('"msg":"after"');
    const dead = readFileSync(join(cwd, 'dead.ndjson'), 'utf8').split('\n').slice(0, -1);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0] as string)).toMatchObject({
      error: { code: 'invalid-input' },
      refused_by: 'stage "parse"',
      body: 'not an apache line',
    });
    expect(JSON.parse(dead[0] as string).origin).toMatch(/in\.log line 5 byte 360/);
    const snap = JSON.parse(readFileSync(join(cwd, 'lane', 'snapshot.json'), 'utf8'));
    expect(snap.stages).toEqual([
      { id: 'parse', key: 'parse:apache_error', filtered: 0, rejected: 1 },
      { id: 'errors', key: 'filter', filtered: 2, rejected: 0 },
      { id: 'shape', key: 'map', filtered: 0, rejected: 0 },
    ]);
    expect(snap.dead_lettered_messages).toBe(1);
  });

  it('validate builds the stages with their settings: a bad expression is exit 2 there too', async () => {
    const good = workdir({ 'spec.kv': SPEC, 'adapters.kv': CONFIG + SETTINGS });
    expect((await cli(['validate', '--spec=spec.kv'], { cwd: good })).code).toBe(0);
    const bad = workdir({
      'spec.kv': SPEC,
      'adapters.kv': `${CONFIG}stages.errors.expression=level ==\nstages.shape.expression=body\n`,
    });
    const r = await cli(['validate', '--spec=spec.kv'], { cwd: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'error: [stage:errors] `stages.errors.expression` does not compile at column 9: Unexpected token: EOF (stage 1, id "errors")',
    );
  });

  it('an unknown stage key names the registered transform stages', async () => {
    const cwd = workdir({
      'spec.kv': SPEC.replace('stage=filter', 'stage=filtr'),
      'adapters.kv': CONFIG + SETTINGS,
      'in.log': INPUT,
    });
    const r = await cli(['validate', '--spec=spec.kv'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did you mean "filter"\?/);
  });
});
