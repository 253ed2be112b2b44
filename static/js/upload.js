// Forms marked data-busy-label show progress the moment they are sent and
// refuse a second send: the submit button is disabled, marked aria-busy and
// relabelled (e.g. "Uploading…"), and any further submit is cancelled.
// Without JavaScript the form still works; the server's client_token makes a
// double send harmless anyway.
(function () {
  "use strict";

  document.querySelectorAll("form[data-busy-label]").forEach(function (form) {
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    var idleLabels = Array.prototype.map.call(buttons, function (button) {
      return button.textContent;
    });

    form.addEventListener("submit", function (event) {
      if (form.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      form.setAttribute("aria-busy", "true");
      buttons.forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        button.textContent = form.getAttribute("data-busy-label");
      });
    });

    // Back from the next page (bfcache): the form is idle again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) {
        return;
      }
      form.removeAttribute("aria-busy");
      buttons.forEach(function (button, index) {
        button.disabled = false;
        button.removeAttribute("aria-busy");
        button.textContent = idleLabels[index];
      });
    });
  });
})();
