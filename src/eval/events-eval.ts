/** `vigil eval --events --labels`: the ensemble and its baselines on labelled events. Filled in by the simulation work. */
export interface EventsEvalOptions {
  readonly events: string;
  readonly labels: string;
  readonly config?: string;
  readonly cluster?: string;
  readonly report?: string;
  readonly json: boolean;
}

export async function runEventsEval(_options: EventsEvalOptions): Promise<void> {
  throw new Error('vigil eval --events is not implemented yet');
}
