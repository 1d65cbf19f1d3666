import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('doctor')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil doctor is not implemented yet');
    });
}
