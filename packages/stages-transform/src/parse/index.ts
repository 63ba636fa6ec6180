import type { Stage, StageFactory, StageFactoryContext } from '@edgeplane/adapter-loop';
import { EdgeplaneError, printable } from '@edgeplane/errors';
import { component, rejectUnknownSettings, where } from '../setting-checks.js';
import { CSV_SETTINGS, csvStage } from './csv.js';
import { JSON_SETTINGS, jsonStage } from './json.js';
import { lineStage } from './line.js';
import { parseLogfmt } from './logfmt.js';
import { PRESETS } from './presets.js';
import { compilePattern, regexParser } from './regex.js';

/** One format of `parse:<format>`: the settings it accepts and its stage builder. */
export interface ParseFormat {
  readonly settings: readonly string[];
  readonly create: (context: StageFactoryContext) => Stage;
}

/** The formats of `parse:<format>`, with the settings each accepts. */
export const PARSE_FORMATS: Readonly<Record<string, ParseFormat>> = {
  json: { settings: JSON_SETTINGS, create: jsonStage },
  logfmt: { settings: [], create: (c) => lineStage(c, 'logfmt', parseLogfmt) },
  csv: { settings: CSV_SETTINGS, create: csvStage },
  regex: {
    settings: ['pattern'],
    create: (c) => lineStage(c, 'regex', regexParser(compilePattern(c), 'the pattern')),
  },
  ...Object.fromEntries(
    Object.entries(PRESETS).map(([name, parse]) => [
      name,
      { settings: [], create: (c: StageFactoryContext) => lineStage(c, name, parse) },
    ]),
  ),
};

/**
 * `parse:<format>`: bytes → a JSON object body (carried to the next stages without re-parsing).
 * Formats: `json` (optional JSON Schema: `schema` / `schema_file`), `logfmt`, `csv` (`columns` or
 * `header=true`, `delimiter`), `regex` (`pattern` with named groups), and the presets
 * `apache_error` and `syslog`. A body that does not parse is refused as invalid input with the
 * position where known; the loop's failure policy applies.
 * @throws EdgeplaneError `invalid-config` for an unknown format or a bad or unknown setting.
 */
export const parseStage: StageFactory = (context) => {
  const name = context.key.slice('parse:'.length);
  const format = Object.hasOwn(PARSE_FORMATS, name) ? PARSE_FORMATS[name] : undefined;
  if (!format)
    throw new EdgeplaneError(
      'invalid-config',
      component(context),
      `unknown parse format "${printable(name, 40)}" ${where(context)}`,
      {
        hint: `formats: ${Object.keys(PARSE_FORMATS)
          .map((f) => `parse:${f}`)
          .join(', ')}`,
        details: { stage: context.id, stageKey: context.key },
      },
    );
  rejectUnknownSettings(context, format.settings);
  return format.create(context);
};
