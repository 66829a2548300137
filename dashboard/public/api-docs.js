// The API docs page's one script (the CSP allows scripts from this server only, none inline):
// Swagger UI (served from node_modules by the dashboard) renders /api/openapi.json.
/* global SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    // Off: with deep links each operation's summary button holds a link, a control inside a
    // control that screen readers and the keyboard cannot tell apart (axe: nested-interactive).
    deepLinking: false,
    // No badge from validator.swagger.io: the page talks to this server only.
    validatorUrl: null,
  });
  // Swagger UI's server list is a <select> in an empty <label>: give it a name (axe: select-name).
  const root = document.getElementById('swagger-ui');
  new MutationObserver(() => {
    const select = root.querySelector('select#servers:not([aria-label])');
    if (select) select.setAttribute('aria-label', 'Server');
  }).observe(root, { childList: true, subtree: true });
});
