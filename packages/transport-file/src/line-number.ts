import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileRef } from './message.js';

/** Files past this offset are not scanned for a line number (an error path must stay quick). */
export const LINE_SCAN_LIMIT_BYTES: number = 64 * 1024 * 1024;

/**
 * The 1-based number of the line starting at byte `offset` of `file`: one plus the LF bytes
 * before it. Reads the file from the start (only on an error path: the loop asks for a message's
 * origin when the egress refuses it). Undefined when the path is now another file (rotated), the
 * offset is past `LINE_SCAN_LIMIT_BYTES`, or the file cannot be read.
 */
export function lineNumberAt(file: FileRef, offset: number): number | undefined {
  if (offset > LINE_SCAN_LIMIT_BYTES || file.path === '-') return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file.path, 'r');
    const st = fstatSync(fd, { bigint: true });
    if (String(st.dev) !== file.dev || String(st.ino) !== file.ino) return undefined;
    const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, offset)));
    let lines = 1;
    let at = 0;
    while (at < offset) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, offset - at), at);
      if (n === 0) return undefined;
      for (let i = buf.indexOf(0x0a, 0); i !== -1 && i < n; i = buf.indexOf(0x0a, i + 1)) lines++;
      at += n;
    }
    return lines;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
