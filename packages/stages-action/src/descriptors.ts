import { DEFAULT_EXEC_TIMEOUT_SECS } from './exec.js';

/** One `stages.<id>.<name>` setting of a stage (the shape of a transport's `OptionDescription`). */
export interface ActionStageSetting {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly default?: string | number | undefined;
  readonly description: string;
  readonly secret?: boolean | undefined;
}

/**
 * What an action stage family declares, for `edgeplane stages` and the docs. The same shape as
 * `@edgeplane/stages-transform`'s `StageDescriptor` (key, summary, pure, capability, settings).
 */
export interface ActionStageDescriptor {
  /** The family prefix: `http_post:` or `exec:`. */
  readonly key: string;
  readonly summary: string;
  /** Always false: these stages have a governed side effect. */
  readonly pure: boolean;
  readonly capability?: string | undefined;
  readonly settings: readonly ActionStageSetting[];
}

/** The two governed stage families, as `actionStageFactories` registers them. */
export const actionStageDescriptors: readonly ActionStageDescriptor[] = [
  {
    key: 'http_post:',
    summary:
      'http_post:<url> forwards its input unchanged and POSTs each message to the URL (allowed by BYTEOR_HTTP_POST_ALLOWLIST; time-out, retries and dry-run from BYTEOR_* variables)',
    pure: false,
    capability: 'http_post',
    settings: [],
  },
  {
    key: 'exec:',
    summary:
      'exec:<program>|<arg>|... forwards its input unchanged and writes the messages to a child process (allowed by BYTEOR_EXEC_ALLOWLIST)',
    pure: false,
    capability: 'exec',
    settings: [
      {
        name: 'timeout',
        type: 'number',
        required: false,
        default: DEFAULT_EXEC_TIMEOUT_SECS,
        description:
          'Seconds a batch may take (the child is killed after), above 0 and at most 3600.',
      },
      {
        name: 'framing',
        type: 'newline | raw',
        required: false,
        default: 'newline',
        description: '`newline`: each message is followed by a newline; `raw`: bytes as they are.',
      },
    ],
  },
];
