import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('backfill')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil backfill is not implemented yet');
    });
}
