/**
 * Start-up checks beyond the schema, so configuration mistakes fail before the first alert, not
 * at 3 a.m. on a retry: every connector URL inside the host allow-list, and signing secrets that
 * decode. (TLS files are read when the connector's agents are built.)
 */
import { hostAllowed, type AlertingConfig } from '../config/alerting.js';
import { secretKey } from './signature.js';

export class AlertingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertingConfigError';
  }
}

export function assertDestinationsAllowed(config: AlertingConfig): void {
  config.connectors.forEach((c, i) => {
    if (config.allowed_hosts.length > 0 && !hostAllowed(c.url, config.allowed_hosts)) {
      throw new AlertingConfigError(
        `alerting.connectors[${i}].url: host "${new URL(c.url).host}" of connector "${c.name}" is not in alerting.allowed_hosts (${config.allowed_hosts.join(', ')})`,
      );
    }
    if (c.secret) {
      try {
        secretKey(c.secret);
      } catch (error) {
        throw new AlertingConfigError(`alerting.connectors[${i}].secret: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (/\$\{[^}]+\}/.test(`${c.url}${c.secret ?? ''}${c.token ?? ''}`)) {
      throw new AlertingConfigError(
        `alerting.connectors[${i}] ("${c.name}"): an \${ENV} reference was not resolved; set the environment variable or load the file with the config loader`,
      );
    }
  });
}
