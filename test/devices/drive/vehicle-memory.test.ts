// A restarted vehicle carries on where it was: position, odometer, fuel and coolant come back from its queue file (per-device or shared), a damaged row is ignored.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { VehicleMemory } from '../../../devices/drive/vehicle-memory.js';
import { perDeviceQueueFile, sharedQueueFile } from '../../../devices/offline-queue.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { drive, HOUR, haversineM, type Row, T0, vehicle } from './day.js';

afterAll(removeTempDirs);

function run(memory: VehicleMemory, from: number, minutes: number): Row[] {
  memory.attach();
  const rows = drive(memory, minutes / 60, { from });
  memory.stop();
  return rows;
}

describe('VehicleMemory', () => {
  it('after a clean stop the next run starts where the last one ended, gauges included', () => {
    const file = perDeviceQueueFile(tempDir(), 'vehicle_01');
    const memoryOf = (seed: number) =>
      new VehicleMemory(vehicle(seed), () => file.open().vehicleMemory('vehicle_01'));
    const first = run(memoryOf(1), T0, 20);
    const last = first.at(-1) as Row;
    // Restarted 30 s later: the same seed would start at home with other gauges; it does not.
    const second = run(memoryOf(1), last.t + 30_000, 10);
    const next = second[0] as Row;
    expect(haversineM(last, next)).toBeLessThan(120 + last.acc + next.acc); // the nearest town street
    expect(next.odometer_km).toBeGreaterThanOrEqual(last.odometer_km);
    expect(next.odometer_km - last.odometer_km).toBeLessThan(0.01);
    expect(Math.abs(next.fuel_pct - last.fuel_pct)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(next.coolant_c - last.coolant_c)).toBeLessThan(2); // cooled for 30 s only
    const fresh = drive(vehicle(1), 10 / 60, { from: last.t + 30_000 })[0] as Row;
    expect(fresh.odometer_km).not.toBeCloseTo(next.odometer_km, 0);
    // And it drives on from there: the odometer only grows.
    for (let i = 1; i < second.length; i++) {
      expect((second[i] as Row).odometer_km).toBeGreaterThanOrEqual(
        (second[i - 1] as Row).odometer_km,
      );
    }
  });

  it('after hours away the engine is cold again; each vehicle of a shared file has its own row', () => {
    const dir = tempDir();
    const file = sharedQueueFile(dir);
    const a = run(new VehicleMemory(vehicle(1), () => file.open().vehicleMemory('a')), T0, 5);
    run(new VehicleMemory(vehicle(2), () => file.open().vehicleMemory('b')), T0, 5);
    const later = (a.at(-1) as Row).t + 5 * HOUR;
    const back = run(new VehicleMemory(vehicle(1), () => file.open().vehicleMemory('a')), later, 1);
    expect((back[0] as Row).coolant_c).toBeLessThan(30);
    expect((back[0] as Row).odometer_km).toBeCloseTo((a.at(-1) as Row).odometer_km, 1);
    const db = new Database(join(dir, 'fleet.db'), { readonly: true });
    expect(db.prepare('SELECT device_id FROM vehicle_state ORDER BY 1').all()).toEqual([
      { device_id: 'a' },
      { device_id: 'b' },
    ]);
    db.close();
  });

  it('a damaged row is ignored: the vehicle starts its day afresh', () => {
    const dir = tempDir();
    const file = perDeviceQueueFile(dir, 'vehicle_01');
    run(new VehicleMemory(vehicle(3), () => file.open().vehicleMemory('vehicle_01')), T0, 2);
    const db = new Database(join(dir, 'vehicle_01.db'));
    db.prepare('UPDATE vehicle_state SET state = \'{"at":1,"x":null}\'').run();
    db.close();
    const again = run(
      new VehicleMemory(vehicle(3), () => file.open().vehicleMemory('vehicle_01')),
      T0,
      2,
    );
    expect(again).toEqual(drive(vehicle(3), 2 / 60, { from: T0 }));
  });
});
