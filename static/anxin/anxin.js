// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  // "select all" checkbox for bulk assignment in the queue.
  document.body.addEventListener("change", function (e) {
    if (e.target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=orders]").forEach(function (box) { box.checked = e.target.checked; });
    }
  });
  // Disable a submit button after the first click; the server still de-duplicates by token.
  document.body.addEventListener("submit", function (e) {
    var btn = e.target.querySelector("button[type=submit][data-once]");
    if (btn) { setTimeout(function () { btn.disabled = true; }, 0); }
  });
});
