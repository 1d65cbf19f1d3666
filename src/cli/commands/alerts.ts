import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('alerts')
    .description('(not implemented yet)')
    .action(() => {
      throw new Error('vigil alerts is not implemented yet');
    });
}
