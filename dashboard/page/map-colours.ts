// The map markers' colour per vehicle status (as style.css's --online, --warning, --offline); no Leaflet here, so tests import it.
import type { DeviceState } from '../../core/dashboard-contract.js';

export const STATUS_COLOURS: Record<DeviceState, string> = {
  online: '#16a34a',
  warning: '#ca8a04',
  offline: '#dc2626',
};
