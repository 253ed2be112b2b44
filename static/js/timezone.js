// Reads the time zone the browser runs in, so dates show in the golfer's
// local time from the first visit without asking them to pick from 600 zones.
//  - <input data-browser-timezone> is filled in when it is empty (sign-up);
//  - <button data-use-browser-timezone="SELECT_ID" hidden> is revealed and,
//    when pressed, picks the browser's zone in that select (settings), if the
//    server knows that zone.
(function () {
  "use strict";

  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }

  document.querySelectorAll("input[data-browser-timezone]").forEach(function (input) {
    if (!input.value) {
      input.value = zone;
    }
  });

  document.querySelectorAll("button[data-use-browser-timezone]").forEach(function (button) {
    var select = document.getElementById(button.getAttribute("data-use-browser-timezone"));
    if (!select) {
      return;
    }
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === zone;
    });
    if (!known || select.value === zone) {
      return;
    }
    button.textContent = "Use this device\u2019s time zone (" + zone.replace(/_/g, " ") + ")";
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = zone;
      button.hidden = true;
      select.focus();
    });
  });
})();
