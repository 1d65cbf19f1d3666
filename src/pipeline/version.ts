/** Vigil's version as recorded in anomaly documents (`rule.version`, `vigil.model_version`). Keep in step with package.json. */
export const VIGIL_VERSION = '0.1.0';
