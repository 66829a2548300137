// Silence windows: a notice whose alarm matches one (rule, device, time) is recorded as silenced and never sent.
import type { Silence } from '../rules.js';
import { type AlarmRecord, deviceOf } from '../store/records.js';

export function isSilenced(silences: readonly Silence[], alarm: AlarmRecord, now: number): boolean {
  const deviceId = deviceOf(alarm.scope);
  return silences.some(
    (s) =>
      now >= s.from &&
      now < s.to &&
      (s.rule === undefined || s.rule === alarm.rule) &&
      (s.deviceId === undefined || s.deviceId === deviceId),
  );
}
