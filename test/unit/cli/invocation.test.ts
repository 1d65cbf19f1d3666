import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { vigilCommand } from '../../../src/cli/invocation.js';

describe('the vigil command printed as a next step', () => {
  it('is runnable from where the user is', () => {
    // `npm run demo` in a checkout: npx would fetch an unrelated package from the registry.
    assert.equal(
      vigilCommand({ npm_lifecycle_event: 'demo', npm_package_name: 'vigil' }, '/work/vigil/src/cli/main.ts'),
      'npm run vigil --',
    );
    assert.equal(vigilCommand({}, '/work/vigil/src/cli/main.ts'), 'npm run vigil --');
    // Installed as a project dependency, run with npx.
    assert.equal(vigilCommand({}, '/srv/app/node_modules/.bin/vigil'), 'npx vigil');
    // Installed globally (npm i -g): on PATH.
    assert.equal(vigilCommand({}, '/usr/lib/node_modules/vigil/dist/src/cli/main.js'), 'vigil');
    assert.equal(vigilCommand({}, '/usr/local/bin/vigil'), 'vigil');
  });
});
