/** The payload formats by connector `format` name. */
import type { ConnectorFormat } from '../../config/alerting.js';
import type { PayloadFormat } from './format.js';
import { genericFormat } from './generic.js';
import { theHiveFormat } from './thehive.js';
import { splunkSoarFormat } from './splunk-soar.js';
import { xsoarFormat } from './xsoar.js';
import { shuffleFormat } from './shuffle.js';
import { slackFormat } from './slack.js';

export type { PayloadFormat } from './format.js';

export const FORMATS: Readonly<Record<ConnectorFormat, PayloadFormat>> = {
  generic: genericFormat,
  thehive: theHiveFormat,
  'splunk-soar': splunkSoarFormat,
  xsoar: xsoarFormat,
  shuffle: shuffleFormat,
  slack: slackFormat,
};

export function formatOf(name: ConnectorFormat): PayloadFormat {
  return FORMATS[name];
}
