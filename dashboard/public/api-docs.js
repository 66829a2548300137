// The API docs page's one script (the CSP allows scripts from this server only, none inline):
// Swagger UI (served from node_modules by the dashboard) renders /api/openapi.json.
/* global SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    // No badge from validator.swagger.io: the page talks to this server only.
    validatorUrl: null,
  });
});
