import type { StageDescriptor } from './descriptor.js';

/** `parse:<format>`: what it declares for `edgeplane stages`, `describe` and the docs. */
export const parseDescriptor: StageDescriptor = {
  key: 'parse:',
  summary:
    'Bytes → a JSON object body: parse:json (optional JSON Schema), parse:logfmt, parse:csv, parse:regex (named groups), parse:apache_error, parse:syslog; a body that does not parse is refused as invalid input',
  pure: true,
  settings: [
    {
      name: 'schema',
      type: 'JSON Schema (inline JSON)',
      required: false,
      description:
        'parse:json: a JSON Schema (draft-07 / 2020-12 keywords, ajv; formats not checked) the body must conform to. Not with `schema_file`.',
    },
    {
      name: 'schema_file',
      type: 'path',
      required: false,
      description:
        'parse:json: the path of a JSON Schema file, absolute or relative to the working directory; read once at start.',
    },
    {
      name: 'columns',
      type: 'list of names',
      required: false,
      description:
        'parse:csv: comma-separated field names, one per CSV column (distinct, non-empty). Required unless `header=true`.',
    },
    {
      name: 'header',
      type: 'true | false',
      required: false,
      default: 'false',
      description:
        'parse:csv: take the field names from the first message (dropped: counted as filtered). Only for inputs read from their start (a file); not with `columns`.',
    },
    {
      name: 'delimiter',
      type: 'character | tab',
      required: false,
      default: ',',
      description: 'parse:csv: the field separator, one character or `tab`.',
    },
    {
      name: 'pattern',
      type: 'regex',
      required: false,
      description:
        'parse:regex (required there): a JavaScript regular expression with named groups, `(?<level>\\w+)`; each group that matched becomes a string field. Anchor it with ^...$ to match whole lines.',
    },
  ],
};

/** `filter`: what it declares. */
export const filterDescriptor: StageDescriptor = {
  key: 'filter',
  summary:
    'Keeps a message when a CEL expression over its JSON body, key and headers is true, drops it (counted as filtered) when false',
  pure: true,
  settings: [
    {
      name: 'expression',
      type: 'CEL (bool)',
      required: true,
      description:
        'A CEL expression (https://cel.dev) over the body\'s top-level fields and `body`, `key`, `headers`, e.g. `level == "error"`. Compiled once at start; an evaluation error refuses the message as invalid input.',
    },
  ],
};

/** `map`: what it declares. */
export const mapDescriptor: StageDescriptor = {
  key: 'map',
  summary:
    'Replaces the JSON body with the value of a CEL expression (usually a map literal); key and headers are kept',
  pure: true,
  settings: [
    {
      name: 'expression',
      type: 'CEL',
      required: true,
      description:
        'A CEL expression over the body\'s top-level fields and `body`, `key`, `headers`, e.g. `{"ts": time, "msg": message}`. Ints become JSON numbers, bytes base64, timestamps RFC 3339; an evaluation error refuses the message.',
    },
  ],
};

/** The descriptors of this part of the catalog, in catalog order. */
export const parseFilterMapDescriptors: readonly StageDescriptor[] = [
  parseDescriptor,
  filterDescriptor,
  mapDescriptor,
];
