// The compact phone menu. Loaded in <head> without defer: it marks <html> with
// .has-nav-menu at once, so the CSS can fold the header links behind the
// "Menu" button before the first paint; without JavaScript every link shows.
(function () {
  "use strict";

  document.documentElement.classList.add("has-nav-menu");

  function setOpen(button, nav, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("is-open", open);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-nav-toggle]");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      setOpen(button, nav, button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && nav.classList.contains("is-open")) {
        setOpen(button, nav, false);
        button.focus();
      }
    });
  });
})();
