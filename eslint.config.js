// @ts-check
/**
 * ESLint (flat config): typescript-eslint's strict type-checked and stylistic type-checked sets over all TypeScript
 * (src, scripts, bench, test). Formatting is Prettier's job (.prettierrc.json), import cycles are
 * scripts/check-deps.ts's (file + folder cycles + layer rules); `npm run lint` runs all three.
 *
 * Every rule below that is switched off or relaxed says why. Everything else in the two sets is on, as errors.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // Generated or vendored files; plain-JS config files are not part of the TypeScript project.
    ignores: ['dist/**', 'node_modules/**', 'plugin/**', 'dashboards/**', 'coverage/**', '*.config.js'],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers in messages and ids (`window ${i} of ${n}`) are the commonest template use and always print sensibly.
      // Booleans, nullish values, objects and arrays stay forbidden: they print "undefined" or "[object Object]".
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // node:test's test()/describe()/it() return promises the runner itself awaits; awaiting them is not the idiom.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      // One-line arrow callbacks that return a void call (`(m) => console.log(m)`, `() => resolve()`) are idiomatic;
      // the rule still reports void expressions used as values elsewhere.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Off: tsconfig has noUncheckedIndexedAccess off (typed-array hot paths), so `xs[0]` is typed as always present
      // and the rule reports real bounds checks (`xs[0] ?? fallback`, `if (!first)`) as unnecessary; obeying it
      // would change behaviour on empty input. Turn on together with noUncheckedIndexedAccess.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // Off: in-memory implementations of async ports (outbox and realert stores, test writers, fakes) are `async` so
      // they satisfy the Promise-returning interface and turn throws into rejections exactly like the engine-backed
      // ones; the rule would force `Promise.resolve(...)` wrappers with the opposite error behaviour.
      '@typescript-eslint/require-await': 'off',
      // Off: document shapes are `type` aliases on purpose: an interface gets no implicit index signature, so it is not
      // assignable to JsonObject / Record<string, unknown> and could no longer be written to the engine as is.
      '@typescript-eslint/consistent-type-definitions': 'off',
      // Off: numeric kernels (forest traversal, statistics, thresholds) loop by index over typed and parallel arrays
      // on purpose: the index is the math's subscript and it avoids iterator objects in hot paths.
      '@typescript-eslint/prefer-for-of': 'off',
      // Off: generic port signatures (`putState<T extends JsonObject>`, `decodePayload<P>`) name the caller's
      // document type even where it appears once; dropping them would widen the engine port's public types.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // `a || b` on booleans and strings is meant: false and '' count as "not set" there (e.g. an empty log file
      // path means stderr); `??` would change that. Numbers, objects and ternaries on null are still reported.
      // Off: `String(v)` on JsonValue fields read back from engine documents (ids, names, timestamps) is the intended
      // coercion; objects in template literals stay forbidden by restrict-template-expressions above.
      '@typescript-eslint/no-base-to-string': 'off',
      // Off: the `!` uses in src mark invariants established a line earlier (a Map key just inserted, a queue just
      // checked non-empty, a field checked by the caller); replacing them with throws or defaults adds untested branches.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Rest siblings and `_`-prefixed names are the way to drop a property or ignore a parameter on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { boolean: true, string: true } }],
    },
  },
  {
    // Tests: a small relaxation for assertion code only.
    files: ['test/**/*.ts'],
    rules: {
      // Tests walk JSON that engines and generators return (saved objects, monitors, manifests, TLS sockets) through
      // loosely typed views (`any` records, downcasts); the assertions on the values are the type check.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
