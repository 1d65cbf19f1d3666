/** Vigil's alerting connector: what the pipeline, the CLI and `vigil install` use. */
export { createDispatcher, type AlertInput, type Dispatcher, type DispatchStats, type DispatcherOptions } from './dispatcher.js';
export { replayDeadLetters, type ReplayOptions, type ReplayResult } from './replay.js';
export { sendTestAlert, type TestAlertOptions, type TestAlertReport } from './test-alert.js';
export {
  installAlertingDefinitions,
  applyKibanaDefinitions,
  siemOptionsFrom,
  kibanaConnector,
  kibanaRule,
  openSearchChannel,
  openSearchMonitor,
  type SiemDefinitionOptions,
  type SiemInstallStep,
} from './siem-definitions.js';
export { signWebhook } from './signature.js';
