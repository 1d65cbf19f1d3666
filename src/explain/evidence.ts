/**
 * What each model found, in a form the explanation can rank and put into words. The ensemble
 * produces one Evidence item per numeric feature and per non-numeric finding, each with the share
 * of the fused anomaly attributed to it (`contribution`, all items summing to at most 1).
 */

/** A numeric feature: its value against the entity's (or, on cold start, the peers') typical value. */
export interface FeatureEvidence {
  readonly kind: 'feature';
  readonly name: string;
  readonly actual: number;
  readonly typical: number;
  readonly contribution: number;
}

/** A categorical value the rarity model found unusual for the entity. */
export interface RarityEvidence {
  readonly kind: 'rarity';
  readonly field: string;
  readonly value: string;
  /** −ln p, nats. */
  readonly surprise: number;
  /** Typical surprise of a value of this model (for the actual-vs-typical pair). */
  readonly typicalSurprise: number;
  readonly probability: number;
  readonly firstSeen: boolean;
  readonly populationFirstSeen: boolean;
  readonly contribution: number;
}

/** The most surprising step of the entity's action sequence. */
export interface SequenceEvidence {
  readonly kind: 'sequence';
  readonly from: string;
  readonly to: string;
  readonly surprise: number;
  readonly typicalSurprise: number;
  readonly firstSeen: boolean;
  readonly contribution: number;
}

/** Regular, periodic traffic to one destination. */
export interface BeaconEvidence {
  readonly kind: 'beaconing';
  readonly destination: string;
  readonly periodMs: number;
  readonly arrivals: number;
  readonly robustCv: number;
  readonly score: number;
  readonly typicalScore: number;
  readonly contribution: number;
}

export type Evidence = FeatureEvidence | RarityEvidence | SequenceEvidence | BeaconEvidence;

/** The name an evidence item has in `contributions` / `vigil.features`. */
export function evidenceName(e: Evidence): string {
  switch (e.kind) {
    case 'feature':
      return e.name;
    case 'rarity':
      return e.field;
    case 'sequence':
      return 'action_sequence';
    case 'beaconing':
      return 'beacon_periodicity';
  }
}
