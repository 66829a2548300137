// docs/gateway.md agrees with the code: the Teltonika IO table is the mapping in force, every gateway variable is documented there and in env.example.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayEnvShape } from '../../core/config-gateway.js';
import { IO_MAPPINGS } from '../../gateway/teltonika/io-map.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(ROOT, 'docs', 'gateway.md'), 'utf8');

describe('docs/gateway.md', () => {
  it('shows the IO mapping in force, in its order', () => {
    const rows = [...doc.matchAll(/^\| (\d+) \| ([^|]+) \| `([a-z_]+)` \|/gm)].map((m) => [
      Number(m[1]),
      m[2]?.trim(),
      m[3],
    ]);
    expect(rows).toEqual(IO_MAPPINGS.map((m) => [m.id, m.name, m.signal]));
  });

  it('documents every gateway variable, as does env.example', () => {
    const example = readFileSync(join(ROOT, 'env.example'), 'utf8');
    for (const name of Object.keys(gatewayEnvShape)) {
      expect(doc, name).toContain(`\`${name}\``);
      expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });
});
