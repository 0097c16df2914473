// Small behaviours without inline script (the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  // "select all" checkbox for bulk assignment in the queue.
  document.body.addEventListener("change", function (e) {
    if (e.target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name=orders]").forEach(function (box) { box.checked = e.target.checked; });
    }
  });
  // A suggested article or script used on the call screen goes on the order the call creates.
  document.body.addEventListener("click", function (e) {
    var used = e.target.closest("[data-use-article]"), box = document.getElementById("used-articles");
    if (used && box) {
      var ids = box.value ? box.value.split(",") : [];
      if (ids.indexOf(used.dataset.useArticle) < 0) { ids.push(used.dataset.useArticle); }
      box.value = ids.join(",");
    }
  });
  // A classification suggestion taken with one click: the agent still sees and can change every field.
  document.body.addEventListener("click", function (e) {
    var take = e.target.closest("[data-apply-field]");
    if (!take) { return; }
    var field = document.getElementById(take.dataset.applyField);
    if (!field) { return; }
    if (field.type === "checkbox") { field.checked = take.dataset.applyValue === "1"; } else { field.value = take.dataset.applyValue; }
    field.dispatchEvent(new Event("change", { bubbles: true }));
  });
  // Disable a submit button after the first click; the server still de-duplicates by token.
  document.body.addEventListener("submit", function (e) {
    var btn = e.target.querySelector("button[type=submit][data-once]");
    if (btn) { setTimeout(function () { btn.disabled = true; }, 0); }
  });
});
