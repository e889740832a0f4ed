// Starts Swagger UI on the API documentation page (tasking/templates/swagger_ui.html), from a file of
// the app's own rather than an inline script, which the page's content security policy refuses.
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  if (!container || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var config = {
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui-container",
    // Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    validatorUrl: null,
  };
  var extra = JSON.parse(container.getAttribute("data-config") || "{}");
  Object.keys(extra).forEach(function (key) {
    config[key] = extra[key];
  });
  window.ui = window.SwaggerUIBundle(config);
})();
