// Highlights the viewer's own row on /leaderboards/. The board table is cached
// for everyone, so the page names the viewer's shot beside it (data-me-shot)
// and this marks that row; it was an inline <style>, which the CSP refuses.
// It runs again after each board the filters swap in.
(function () {
  "use strict";

  function markMyRow() {
    var me = document.querySelector("[data-me-shot]");
    var board = document.getElementById("board");
    if (!me || !board) {
      return;
    }
    board.querySelectorAll("tr[data-shot]").forEach(function (row) {
      row.classList.toggle("is-me", row.dataset.shot === me.dataset.meShot);
    });
  }

  document.addEventListener("DOMContentLoaded", markMyRow);
  document.addEventListener("htmx:afterSettle", markMyRow);
})();
