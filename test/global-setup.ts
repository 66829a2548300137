// Vitest global setup: bundle the programs once, so tests can run them exactly as their npm scripts do.
import { execSync } from 'node:child_process';

export default function setup(): void {
  execSync('npm run -s build', { stdio: 'inherit' });
}
