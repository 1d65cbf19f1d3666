/**
 * The ensemble's detectors, in fusion order. Adding a model: write its file (an EntityDetector and
 * its DetectorFactory, see detector.ts) and add its factory here; its name becomes a ModelName.
 */
import { autoencoderFactory } from './autoencoder.js';
import { beaconingFactory } from './beaconing.js';
import { deviationScorerFactory } from './deviation-scorer.js';
import { rarityFactory } from './rarity.js';
import { refittingForestFactory } from './refitting-forest.js';
import { sequenceFactory } from './sequence.js';

export const DETECTORS = [
  refittingForestFactory,
  deviationScorerFactory,
  rarityFactory,
  sequenceFactory,
  beaconingFactory,
  autoencoderFactory,
] as const;

/** A detector of the ensemble: 'iforest' | 'zscore' | 'rarity' | 'sequence' | 'beaconing' | 'autoencoder'. */
export type ModelName = (typeof DETECTORS)[number]['name'];

export const MODEL_NAMES: readonly ModelName[] = DETECTORS.map((d) => d.name);

/** Detectors that ship switched off (they still learn, so switching one on needs no cold start). */
export const OFF_BY_DEFAULT: ReadonlySet<ModelName> = new Set<ModelName>(['autoencoder']);
