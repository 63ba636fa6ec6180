import { rejectMessage, type StageMessage, type StageRejection } from '@edgeplane/adapter-loop';
import { EdgeplaneError, isEdgeplaneError, printable } from '@edgeplane/errors';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Characters of an offending line quoted in a refusal (the rest is cut). */
export const QUOTED_CHARS = 80;

/**
 * Refuses one message as invalid input (the loop's failure policy applies: stop_pipeline or
 * dead_letter). `detail` says what and where (`column 17`); component `stage:<id>`.
 */
export function refuse(
  component: string,
  detail: string,
  options: { hint?: string; details?: Readonly<Record<string, unknown>>; cause?: unknown } = {},
): StageRejection {
  return rejectMessage(new EdgeplaneError('invalid-input', component, detail, options));
}

/** Refuses a message for an error thrown by a helper (`readJson`): keeps its detail and details. */
export function refuseError(component: string, error: unknown): StageRejection {
  if (isEdgeplaneError(error))
    return refuse(component, error.detail, {
      cause: error,
      ...(error.details ? { details: error.details } : {}),
      ...(error.hint ? { hint: error.hint } : {}),
    });
  return refuse(component, String(error), { cause: error });
}

/** `"GET / HTTP/1.1…(20 more bytes)…"`: the start of a line, printable, for a refusal's message. */
export function quote(line: string): string {
  return `"${printable(line, QUOTED_CHARS)}"`;
}

/**
 * The body as one line of text: UTF-8 (strict), without one trailing `\n`, `\r\n` or `\r`
 * (transports that keep the terminator; a CR left over from a CRLF file). Undefined when the body is not UTF-8.
 */
export function lineOf(message: StageMessage): string | undefined {
  let text: string;
  try {
    text = decoder.decode(message.body);
  } catch {
    return undefined;
  }
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The refusal of a body that is not UTF-8. */
export function notText(component: string, message: StageMessage): StageRejection {
  return refuse(component, `body is not UTF-8 text (${message.body.byteLength} bytes)`, {
    hint: 'this stage parses text lines; check the source encoding',
  });
}
