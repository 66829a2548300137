// Durations as users write them (`30s`, `5m`, `24h`, `400d`): one parser for env vars and query parameters.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export const DURATION_PATTERN = /^(\d+)([smhd])$/;
export const DAY_MS = UNIT_MS.d;

/** `5m` → 300000; undefined when the text does not match `\d+(s|m|h|d)`. */
export function durationMs(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}
