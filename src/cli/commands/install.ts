import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('install')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil install is not implemented yet');
    });
}
