/**
 * A mistake in how a command was called or configured (a missing file, a bad flag value): the CLI
 * prints it as one line and exits with code 2. Library code (the evaluation) throws it too, so it
 * lives below every layer rather than in src/cli.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
