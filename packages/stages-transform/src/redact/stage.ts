import {
  rejectMessage,
  type Stage,
  type StageFactoryContext,
  type StageMessage,
  type StageOutput,
} from '@edgeplane/adapter-loop';
import { EdgeplaneError } from '@edgeplane/errors';
import { readJson, withJson } from '../json-body.js';
import { where } from '../settings.js';
import { parseRedactOptions, REDACT_COMPONENT, type RedactOptions } from './options.js';
import { replaceAtPath, replaceInStrings } from './paths.js';

/** Runs every pattern over a text; returns `text` itself when nothing matched. */
function redactText(text: string, o: RedactOptions): string {
  let out = text;
  for (const p of o.patterns) out = p(out, o.replace);
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text scope: the body as UTF-8 text (byte by byte, latin1, when it is not UTF-8). */
function redactBytes(message: StageMessage, o: RedactOptions): StageMessage {
  let encoding: 'utf8' | 'latin1' = 'utf8';
  let text: string;
  try {
    text = UTF8.decode(message.body);
  } catch {
    encoding = 'latin1';
    text = Buffer.from(
      message.body.buffer,
      message.body.byteOffset,
      message.body.byteLength,
    ).toString('latin1');
  }
  const out = redactText(text, o);
  if (out === text) return message;
  const body = Buffer.from(out, encoding);
  return { ...message, body, bodyLength: body.byteLength };
}

/** JSON scope: fields replaced whole, then the patterns over every string and number. */
function redactJson(
  message: StageMessage,
  o: RedactOptions,
  context: StageFactoryContext,
): StageOutput {
  let value: unknown;
  try {
    value = readJson(message);
  } catch (error) {
    return rejectMessage(
      new EdgeplaneError(
        'invalid-input',
        REDACT_COMPONENT,
        `the body is not JSON; redact with ${o.fields.length ? '`fields`' : '`scope=json`'} needs a JSON body ${where(context)}`,
        {
          cause: error,
          hint: 'put a parse:<format> stage before redact, or use presets/pattern with scope=text',
        },
      ),
    );
  }
  let next = value;
  const field = (v: unknown) => o.replace(typeof v === 'string' ? v : JSON.stringify(v));
  for (const path of o.fields) next = replaceAtPath(next, path, field);
  if (o.patterns.length) next = replaceInStrings(next, (s) => redactText(s, o));
  return next === value ? message : withJson(message, next);
}

/**
 * `redact`: masks fields by JSON path (`stages.<id>.fields`) and every match of the presets
 * (`presets=email,ipv4,bearer,card`) and of `pattern`, with `mask` (default `[REDACTED]`) or an
 * HMAC-SHA256 token keyed by `hmac_key`. Scope `text` (default) works on any body; scope `json`
 * (implied by `fields`) refuses a body that is not JSON with `invalid-input` (the loop's failure
 * policy applies). A message with nothing to mask is passed on as it is.
 * @throws EdgeplaneError `invalid-config` for a bad setting (see `parseRedactOptions`).
 */
export function createRedactStage(context: StageFactoryContext): Stage {
  const o = parseRedactOptions(context);
  const one =
    o.scope === 'json'
      ? (m: StageMessage) => redactJson(m, o, context)
      : (m: StageMessage) => redactBytes(m, o);
  return {
    key: context.key,
    process(messages) {
      let out: StageOutput[] | undefined;
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i] as StageMessage;
        const r = one(m);
        if (r !== m) {
          out ??= messages.slice();
          out[i] = r;
        }
      }
      return out ?? messages;
    },
  };
}
