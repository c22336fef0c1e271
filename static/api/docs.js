// Swagger UI for the API's schema, from the vendored swagger-ui-dist (no CDN). A request tried from the page sends
// the session cookie and Django's CSRF token, so a signed-in user can try the writes too.
(function () {
  const root = document.getElementById("swagger-ui");
  const csrf = (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1];
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    withCredentials: true,
    requestInterceptor: (request) => {
      if (csrf && request.method && request.method.toUpperCase() !== "GET") {
        request.headers["X-CSRFToken"] = decodeURIComponent(csrf);
      }
      return request;
    },
  });
})();
