// Same device (OpenID4VP 1.0 §8.2, HAIP 1.0 §5.1): the wallet sends the employer's browser
// to /console/requests/returned#response_code=…. A fragment never reaches the server, so this
// script puts the code into the page's form (which carries its CSRF token) and posts it.
(function () {
  "use strict";
  function take() {
    var form = document.getElementById("returned-form");
    var match = /(?:^|[#&])response_code=([^&]+)/.exec(window.location.hash);
    if (!form || !match) {
      return;
    }
    form.elements.response_code.value = decodeURIComponent(match[1]);
    window.history.replaceState(null, "", window.location.pathname);
    form.submit();
  }
  window.addEventListener("hashchange", take);
  take();
})();
