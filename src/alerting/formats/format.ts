/**
 * A payload format: how one notification (one alert, or a group) becomes the JSON body a given
 * receiver expects, which headers carry its credential, and which refusals actually mean "already
 * have it" (the receiver de-duplicated a retry whose first acknowledgement we never saw).
 */
import type { ConnectorConfig, ConnectorFormat } from '../../config/alerting.js';
import type { JsonObject } from '../../engine/engine.js';
import type { Notification } from '../alert-context.js';

export interface PayloadFormat {
  readonly name: ConnectorFormat;
  /** Appended when the connector URL is a bare base URL (path "/"), e.g. TheHive's /api/v1/alert. */
  readonly defaultPath?: string;
  render(notification: Notification, connector: ConnectorConfig): JsonObject;
  /** Headers that carry the connector's `token`. */
  authHeaders(token: string | undefined): Record<string, string>;
  /**
   * True when a refusal means the receiver already holds this notification (unique sourceRef /
   * source_data_identifier): the earlier attempt went through and only its answer was lost.
   */
  isDuplicateAck?(status: number, body: string): boolean;
}

/** Drops undefined members so the body is plain JSON (and the type says so). */
export function toJson(value: object): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}

export function bearer(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
