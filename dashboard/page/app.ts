// The page's entry: the fleet overview at /, one vehicle's page at /vehicles/:id, sign-in, account, admin and reports pages (one bundle, chosen by the HTML).
import { startAccountPage } from './account-page.js';
import { startAdminPage } from './admin-page.js';
import { startLoginPage } from './login-page.js';
import { startOverview } from './overview.js';
import { startReportsPage } from './reports-page.js';
import { startVehiclePage } from './vehicle-page.js';

const pages: Record<string, () => Promise<void> | void> = {
  vehicle: startVehiclePage,
  login: startLoginPage,
  account: startAccountPage,
  admin: startAdminPage,
  overview: startOverview,
  reports: startReportsPage,
};
void (pages[document.body.dataset.page ?? 'overview'] ?? startOverview)();
