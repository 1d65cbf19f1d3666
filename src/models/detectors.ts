/**
 * The ensemble's detectors, in fusion order. Adding a model: write its file (an EntityDetector and
 * its DetectorFactory, see detector.ts) and add its factory here; its name becomes a ModelName.
 */
import { beaconingFactory } from './beaconing.js';
import { deviationScorerFactory } from './deviation-scorer.js';
import { rarityFactory } from './rarity.js';
import { refittingForestFactory } from './refitting-forest.js';
import { sequenceFactory } from './sequence.js';

export const DETECTORS = [refittingForestFactory, deviationScorerFactory, rarityFactory, sequenceFactory, beaconingFactory] as const;

/** A detector of the ensemble: 'iforest' | 'zscore' | 'rarity' | 'sequence' | 'beaconing'. */
export type ModelName = (typeof DETECTORS)[number]['name'];

export const MODEL_NAMES: readonly ModelName[] = DETECTORS.map((d) => d.name);
