import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('demo')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil demo is not implemented yet');
    });
}
