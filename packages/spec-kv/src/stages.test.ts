import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';
import { stageCapability } from './stage-key.js';
import { expectSpecError, kv } from './test-helper.js';

const HEAD = ['v=1', 'name=orders'];
/** Stage lines `single_ring.stages.N.<field>=<value>` from [field, value] pairs per stage. */
const stages = (...list: Record<string, string>[]): string[] =>
  list.flatMap((fields, i) =>
    Object.entries(fields).map(([field, value]) => `single_ring.stages.${i}.${field}=${value}`),
  );

describe('stages: shape', () => {
  it('builds stages with their keys and dependencies', () => {
    const { spec } = parseSpec(
      kv(
        ...HEAD,
        ...stages(
          { id: 'parse' },
          { id: 'notify', stage: 'http_post:https://hooks.example/x', depends_on: '0' },
          { id: 'audit', stage: 'exec:/usr/bin/logger|-t|edgeplane', depends_on: '' },
          { id: 'join', depends_on: '0,1,2' },
        ),
      ),
    );
    expect(spec.model === 'single_ring' && spec.stages).toEqual([
      { id: 'parse', stage: 'identity', dependsOn: [] },
      { id: 'notify', stage: 'http_post:https://hooks.example/x', dependsOn: [0] },
      { id: 'audit', stage: 'exec:/usr/bin/logger|-t|edgeplane', dependsOn: [] },
      { id: 'join', stage: 'identity', dependsOn: [0, 1, 2] },
    ]);
  });

  it('rejects more than 4 stages (SEQUENCED_SLOTS_V1_GATING)', () => {
    const five = stages(...['a', 'b', 'c', 'd', 'e'].map((id) => ({ id })));
    expectSpecError(
      kv(...HEAD, ...five),
      'spec.kv:7:1: single_ring has 5 stages; v1 allows at most 4 per ring (SEQUENCED_SLOTS_V1_GATING = 4)',
    );
  });

  it('rejects stage indices that are not contiguous from 0', () => {
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.0.id=a', 'single_ring.stages.2.id=c'),
      'spec.kv:4:1: stage indices must be contiguous from 0: found single_ring.stages.2 but no single_ring.stages.1',
    );
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.1.id=b'),
      'spec.kv:3:1: stage indices must be contiguous from 0: found single_ring.stages.1 but no single_ring.stages.0',
    );
  });

  it('rejects unknown stage fields and malformed indices (typo protection)', () => {
    const e = expectSpecError(
      kv(...HEAD, 'single_ring.stages.0.id=a', 'single_ring.stages.0.dependson=0'),
      'spec.kv:4:1: "single_ring.stages.0.dependson" is not a stage field; stage fields are id, stage and depends_on',
    );
    expect(e.key).toBe('single_ring.stages.0.dependson');
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.0=a'),
      'spec.kv:3:1: "single_ring.stages.0" is not a stage field; stage fields are id, stage and depends_on',
    );
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.01.id=a'),
      'spec.kv:3:1: invalid stage index "01" in single_ring.stages.01.id; indices are decimal integers from 0',
    );
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.first.id=a'),
      'spec.kv:3:1: invalid stage index "first" in single_ring.stages.first.id; indices are decimal integers from 0',
    );
  });

  it('requires unique, well-formed stage ids', () => {
    expectSpecError(
      kv(...HEAD, 'single_ring.stages.0.stage=identity'),
      'spec.kv:3:1: single_ring.stages.0.id is missing; every stage needs an id',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: '' })),
      'spec.kv:3:25: single_ring.stages.0.id: expected 1 to 64 characters from A-Z a-z 0-9 _ -, got ""',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a.b' })),
      'spec.kv:3:25: single_ring.stages.0.id: expected 1 to 64 characters from A-Z a-z 0-9 _ -, got "a.b"',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a' }, { id: 'b' }, { id: 'a' })),
      'spec.kv:5:25: duplicate stage id "a": stages 0 and 2',
    );
  });
});

describe('stages: stage keys (reference decision 2)', () => {
  it('rejects unknown stage keys unless the caller knows them', () => {
    const text = kv(
      ...HEAD,
      ...stages({ id: 'parse' }, { id: 'upper', stage: 'uppercase', depends_on: '0' }),
    );
    expectSpecError(
      text,
      'spec.kv:5:28: unknown stage "uppercase" in single_ring.stages.1.stage; built-in stages: identity, http_post:<url>, exec:<program>|...; register custom stages with createStageResolver()',
    );
    expect(parseSpec(text, { knownStages: ['uppercase'] }).spec).toMatchObject({
      stages: [{}, { stage: 'uppercase' }],
    });
  });

  it('accepts prefix entries of knownStages (ending in ":")', () => {
    const text = kv(...HEAD, ...stages({ id: 'check', stage: 'dataguard:pii' }));
    expect(parseSpec(text, { knownStages: ['dataguard:'] }).spec).toMatchObject({
      stages: [{ stage: 'dataguard:pii' }],
    });
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'check', stage: 'dataguard:' })),
      'spec.kv:4:28: unknown stage "dataguard:" in single_ring.stages.0.stage; built-in stages: identity, http_post:<url>, exec:<program>|...; registered: dataguard:<…>; register custom stages with createStageResolver()',
      { knownStages: ['dataguard:'] },
    );
  });

  it('names the closest registered stage when the key looks like a typo', () => {
    const text = kv(...HEAD, ...stages({ id: 'up', stage: 'upercase' }));
    const error = expectSpecError(
      text,
      'spec.kv:4:28: unknown stage "upercase" in single_ring.stages.0.stage; built-in stages: identity, http_post:<url>, exec:<program>|...; registered: uppercase, dataguard:<…>; register custom stages with createStageResolver()',
      { knownStages: ['identity', 'uppercase', 'dataguard:'] },
    );
    expect(error.hint).toBe(
      'did you mean "uppercase"? check the spelling, or register the custom stage and pass its key in knownStages',
    );
    const far = expectSpecError(
      kv(...HEAD, ...stages({ id: 'x', stage: 'zzzzzzzz' })),
      'spec.kv:4:28: unknown stage "zzzzzzzz" in single_ring.stages.0.stage; built-in stages: identity, http_post:<url>, exec:<program>|...; register custom stages with createStageResolver()',
    );
    expect(far.hint).toBe(
      'check the spelling, or register the custom stage and pass its key in knownStages',
    );
  });

  it('checks the targets of http_post and exec, and empty stage keys', () => {
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a', stage: 'http_post:ftp://x' })),
      'spec.kv:4:28: single_ring.stages.0.stage: http_post needs an http:// or https:// URL, got "http_post:ftp://x"',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a', stage: 'http_post:' })),
      'spec.kv:4:28: single_ring.stages.0.stage: http_post needs an http:// or https:// URL, got "http_post:"',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a', stage: 'exec:|x' })),
      'spec.kv:4:28: single_ring.stages.0.stage: exec needs a program, got "exec:|x"',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'a', stage: '' })),
      'spec.kv:4:28: single_ring.stages.0.stage is empty; expected a stage key',
    );
  });

  it('names the governed side effect of a stage key', () => {
    expect(stageCapability('http_post:https://x.example/')).toBe('http_post');
    expect(stageCapability('exec:/bin/true')).toBe('exec');
    expect(stageCapability('identity')).toBeNull();
    expect(stageCapability('http_postal')).toBeNull();
  });
});

describe('stages: depends_on (v1 semantics)', () => {
  const two = (deps: string) =>
    kv(...HEAD, ...stages({ id: 'read' }, { id: 'parse', depends_on: deps }));

  it('rejects a dependency on a later stage', () => {
    const text = kv(
      ...HEAD,
      ...stages({ id: 'read' }, { id: 'parse', depends_on: '2' }, { id: 'write', depends_on: '0' }),
    );
    expectSpecError(
      text,
      'spec.kv:5:33: stage 1 ("parse") depends on stage 2, which comes later; stages must be listed in topological order',
    );
  });

  it('rejects a dependency on itself', () => {
    expectSpecError(
      two('1'),
      'spec.kv:5:33: stage 1 ("parse") depends on itself; a stage can only depend on earlier stages',
    );
    expectSpecError(
      kv(...HEAD, ...stages({ id: 'read', depends_on: '0' })),
      'spec.kv:4:33: stage 0 ("read") depends on itself; a stage can only depend on earlier stages',
    );
  });

  it('rejects duplicate and unordered dependencies', () => {
    const three = (deps: string) =>
      kv(
        ...HEAD,
        ...stages({ id: 'a' }, { id: 'b', depends_on: '' }, { id: 'c', depends_on: deps }),
      );
    const e = expectSpecError(
      three('0,0'),
      'spec.kv:7:33: stage 2 ("c") lists stage 0 twice in depends_on; list each dependency once',
    );
    expect(e.hint).toBe('write single_ring.stages.2.depends_on=0');
    const f = expectSpecError(
      three('1,0'),
      'spec.kv:7:33: stage 2 ("c") depends_on must be strictly increasing, got 1 before 0',
    );
    expect(f.hint).toBe('write single_ring.stages.2.depends_on=0,1');
  });

  it('rejects missing stages and malformed lists', () => {
    expectSpecError(
      two('7'),
      'spec.kv:5:33: stage 1 ("parse") depends on stage 7, which does not exist (the spec has 2 stages)',
    );
    for (const bad of ['0,', '0 ,1', '0, 1', 'first', '-1', '00']) {
      expectSpecError(
        two(bad),
        `spec.kv:5:33: single_ring.stages.1.depends_on: expected comma-separated stage indices such as "0,1", got "${bad}"`,
      );
    }
  });

  it('requires a non-source, non-identity stage to declare depends_on', () => {
    const text = kv(
      ...HEAD,
      ...stages({ id: 'read' }, { id: 'post', stage: 'http_post:http://127.0.0.1:8080/in' }),
    );
    const e = expectSpecError(
      text,
      'spec.kv:5:28: stage 1 ("post") runs "http_post:http://127.0.0.1:8080/in" but declares no depends_on; a non-source stage that is not identity must declare its dependencies',
    );
    expect(e.hint).toBe(
      'add single_ring.stages.1.depends_on=0 (or single_ring.stages.1.depends_on= to read from the ring head)',
    );
    const declared = text.replace('read\n', 'read\nsingle_ring.stages.1.depends_on=\n');
    expect(parseSpec(declared).spec).toMatchObject({ stages: [{}, { dependsOn: [] }] });
    const identity = kv(...HEAD, ...stages({ id: 'read' }, { id: 'copy' }));
    expect(parseSpec(identity).spec).toMatchObject({ stages: [{}, { dependsOn: [] }] });
  });
});
