// What a rule's evaluation asks of an alarm: open it, update its value, or clear it.

export type Signal =
  | { kind: 'open'; value: number | null; message: string }
  | { kind: 'update'; value: number | null; message: string }
  | { kind: 'clear'; message: string };

/** 5000 → "5 s", 90000 → "1 min 30 s", for alarm messages. */
export function spoken(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}
