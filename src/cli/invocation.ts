/**
 * How the user can run `vigil` again from where they are, for commands the CLI prints as next
 * steps: printed commands must work as printed. `npx vigil` only finds an installed package
 * (inside this repository it would fetch an unrelated one from the registry), so a checkout run
 * through npm scripts gets `npm run vigil --`, an installed dependency `npx vigil`, a global
 * install plain `vigil`.
 */
export function vigilCommand(env: NodeJS.ProcessEnv = process.env, script: string = process.argv[1] ?? ''): string {
  if (env.npm_lifecycle_event !== undefined && env.npm_package_name === 'vigil' && !/[\\/]node_modules[\\/]/.test(script))
    return 'npm run vigil --';
  if (/[\\/]node_modules[\\/]/.test(script) && !/[\\/]lib[\\/]node_modules[\\/]/.test(script)) return 'npx vigil';
  if (/src[\\/]cli[\\/]main\.ts$/.test(script)) return 'npm run vigil --';
  return 'vigil';
}
