import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('detect')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil detect is not implemented yet');
    });
}
