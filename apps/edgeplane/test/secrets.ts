/**
 * Secret values the CLI tests feed in (API keys, tokens in config values). Outputs are checked
 * in each test; tools/secrets.test.ts also greps every file the CLI tests left on disk (lane
 * paths, snapshots, incident bundles, outputs) for them after the whole suite has run.
 */
export const TEST_SECRETS = {
  agentApiKey: 'ep-agent-key-5f1c9a7e',
  outToken: 'out-secret-value',
  envApiKey: 'k-123456789',
  hmacKey: 'hmac-key-from-env-7c2e9b41d0a3',
} as const;
