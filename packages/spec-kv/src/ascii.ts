import { printable } from '@edgeplane/errors';
import { fail } from './errors.js';

const hex = (byte: number): string => `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/** The key of the line starting at `start` when `at` lies in its value (after the first `=`). */
function keyBefore(bytes: Uint8Array, start: number, at: number): string | undefined {
  const eq = bytes.subarray(start, at).indexOf(0x3d);
  if (eq <= 0) return undefined;
  return printable(new TextDecoder('latin1').decode(bytes.subarray(start, start + eq)));
}

/** Rejects non-ASCII bytes, control bytes (other than tab, CR, LF) and a CR without LF. */
export function checkBytes(bytes: Uint8Array, file: string): void {
  let line = 1;
  let column = 1;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const where = { line, column };
    if (byte > 0x7f) {
      const bom = i === 0 && byte === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
      throw fail(
        file,
        where,
        `non-ASCII byte ${hex(byte)}; spec.kv is ASCII-only`,
        bom
          ? 'save the file without a byte order mark (BOM)'
          : 'replace the character with ASCII (keys, values and comments are ASCII)',
      );
    }
    if (byte === 0x0a) {
      line++;
      column = 1;
      continue;
    }
    if (byte === 0x0d && bytes[i + 1] !== 0x0a) {
      throw fail(
        file,
        where,
        'carriage return 0x0D without a line feed; lines end with LF or CRLF',
        'save the file with LF (or CRLF) line endings',
      );
    }
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0d) || byte === 0x7f) {
      const key = keyBefore(bytes, i - (column - 1), i);
      const what = byte === 0 ? 'NUL byte 0x00' : `control byte ${hex(byte)}`;
      throw fail(
        file,
        { ...where, key },
        `${what} is not allowed${key ? ` in the value of "${key}"` : ''}; spec.kv is plain ASCII text`,
        'remove the control character',
      );
    }
    column++;
  }
}
