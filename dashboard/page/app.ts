// The page's entry: the fleet overview at /, one vehicle's page at /vehicles/:id (one bundle, chosen by the HTML).
import { startOverview } from './overview.js';
import { startVehiclePage } from './vehicle-page.js';

if (document.body.dataset.page === 'vehicle') startVehiclePage();
else startOverview();
