// Where the package's own files live, resolved from the installed package rather than the
// cwd, so the CLI works from any directory and from both the TypeScript sources and dist/.
export { modulePath, packageRoot } from '../native/binaries.js';
