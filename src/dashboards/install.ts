/** Entry point the installer's hook loads (src/pipeline/installer.ts): the importer lives in import.ts. */
export { installDashboards } from './import.js';
