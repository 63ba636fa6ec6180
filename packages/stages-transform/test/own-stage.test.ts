// The example of docs/stages/writing-your-own-stage.md, run as written (a custom `tag` stage).
import {
  createStageResolver,
  isStageRejection,
  rejectMessage,
  type StageFactory,
  type StageOutput,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import { describe, expect, it } from 'vitest';
import { readJson, transformStages, withJson } from '../src/index.js';
import { msg, thrown } from './stage-helpers.js';

export const tagStage: StageFactory = ({ id, key, settings }) => {
  const unknown = Object.keys(settings).find((s) => s !== 'env');
  if (unknown !== undefined || !settings.env)
    throw new EdgeplaneError(
      'invalid-config',
      `stage:${id}`,
      unknown
        ? `\`stages.${id}.${unknown}\` is not a setting of this stage`
        : `\`stages.${id}.env\` is required`,
      { hint: `write stages.${id}.env=prod in the adapter config` },
    );
  const env = settings.env;
  const refuse = (what: string) =>
    rejectMessage(new EdgeplaneError('invalid-input', `stage:${id}`, what));
  return {
    key,
    process: (messages) =>
      messages.map((m): StageOutput => {
        let body: unknown;
        try {
          body = readJson(m);
        } catch (error) {
          return refuse((error as Error).message);
        }
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          return refuse('body is not a JSON object');
        return withJson(m, { ...body, env });
      }),
  };
};

describe('the "writing your own stage" example', () => {
  const stages = createStageResolver({ ...transformStages, tag: tagStage });
  const ctx = { id: 't', index: 1, signal: new AbortController().signal };

  it('tags what parse gives it, refuses what is not an object', async () => {
    const parse = stages.resolve({ key: 'parse:json', id: 'p', index: 0, settings: {} });
    const tag = stages.resolve({ key: 'tag', id: 't', index: 1, settings: { env: 'prod' } });
    const parsed = await parse.process([msg('{"a":1}'), msg('[1]')], ctx);
    const out = await tag.process(parsed as never, ctx);
    expect(new TextDecoder().decode((out[0] as { body: Uint8Array }).body)).toBe(
      '{"a":1,"env":"prod"}',
    );
    expect(isStageRejection(out[1]) && out[1].error.message).toBe(
      '[stage:t] body is not a JSON object',
    );
  });

  it('refuses a missing or unknown setting', () => {
    expect(
      thrown(() => stages.resolve({ key: 'tag', id: 't', index: 0, settings: {} })).message,
    ).toBe('[stage:t] `stages.t.env` is required');
    expect(
      thrown(() =>
        stages.resolve({ key: 'tag', id: 't', index: 0, settings: { env: 'x', ev: 'y' } }),
      ).code,
    ).toBe('invalid-config');
  });
});
