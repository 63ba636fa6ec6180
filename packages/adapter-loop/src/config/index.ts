export type { AdapterConfig, BindingConfig } from './adapter-config.js';
export { configSecrets, parseAdapterConfig, redactConfig } from './adapter-config.js';
export { bindingOptions } from './bind.js';
export { ConfigError } from './config-error.js';
export type { LoopSettings } from './loop-settings.js';
export { LOOP_SETTING_NAMES } from './loop-settings.js';
export type { ConfigEntry } from './parse.js';
