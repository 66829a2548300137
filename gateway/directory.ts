// The registry as the gateway needs it: IMEI → device id, and whether DEVICE_ALLOWLIST lets a device in on an input.
import type { DeviceProtocol, RegistrySnapshot } from '../core/contract.js';
import type { RegistryFollower } from '../registry/follower.js';

export type Admission =
  | { ok: true }
  /** 403: not registered (or registered for another input). */
  | { ok: false; status: 403; reason: string }
  /** 503: the registry is not known yet (no snapshot since start): ask again later. */
  | { ok: false; status: 503; reason: string };

export class DeviceDirectory {
  private byImei = new Map<string, string>();
  private readonly waiters: Array<() => void> = [];
  private giveUp: Promise<boolean> | undefined;

  constructor(
    private readonly registry: RegistryFollower,
    private readonly allowlist: boolean,
  ) {
    registry.onSnapshot((snapshot) => this.index(snapshot));
  }

  private index(snapshot: RegistrySnapshot): void {
    this.byImei = new Map(
      snapshot.devices.flatMap((d) => (d.imei === undefined ? [] : [[d.imei, d.device_id]])),
    );
    for (const w of this.waiters.splice(0)) w();
  }

  get ready(): boolean {
    return this.registry.ready;
  }

  /**
   * Resolves when the first snapshot arrived, or once `timeoutMs` after the first call (whichever
   * is first): a deployment without a dashboard (no snapshot ever) waits once, not per device.
   */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    this.giveUp ??= new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.ready), timeoutMs);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    return this.giveUp;
  }

  /** The registered device with this IMEI, else `imei_<IMEI>`. */
  deviceIdOfImei(imei: string): string {
    return this.byImei.get(imei) ?? `imei_${imei}`;
  }

  admit(deviceId: string, protocol: DeviceProtocol): Admission {
    if (!this.allowlist) return { ok: true };
    if (!this.registry.ready) {
      return { ok: false, status: 503, reason: 'the device registry is not known yet' };
    }
    const entry = this.registry.lookup(deviceId);
    if (!entry) return { ok: false, status: 403, reason: `unknown device ${deviceId}` };
    if (entry.protocol !== undefined && entry.protocol !== protocol) {
      return {
        ok: false,
        status: 403,
        reason: `device ${deviceId} is registered for ${entry.protocol}, not ${protocol}`,
      };
    }
    return { ok: true };
  }
}
