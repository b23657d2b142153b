// mediawatch review app: the only script. Everything works without it; it only saves clicks.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before irreversible actions (cancel an issue, delete a block).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // The interface language applies as soon as it is chosen.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // A shared preview link is selected on focus, ready to copy.
  document.querySelectorAll("input[data-select]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});
