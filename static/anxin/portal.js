// The customer portal (A5): free slots follow the chosen category and address, the new-address fields show only
// when needed, photos are made smaller on the phone before upload, and a sent form cannot be sent twice.
(function () {
  "use strict";

  // the answer to the latest request wins: on a slow line the page's first request (no category yet) could come
  // back after the one for the chosen category and put "choose first" over its slots
  var slotRequests = 0;

  function refreshSlots(form) {
    var list = document.getElementById("slot-list");
    if (!list) return;
    var mine = ++slotRequests;
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "description") params.append(name, value);
    });
    fetch(form.dataset.slots + "?" + params.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { if (html && mine === slotRequests) list.innerHTML = html; });
  }

  function toggleNewAddress(form) {
    var box = document.getElementById("new-address");
    var chosen = form.querySelector("input[name=address]:checked");
    if (box) box.hidden = !(chosen && chosen.value === "new");
  }

  function shrink(file) {
    // JPEG, at most 1600 px on the long side; anything the browser cannot draw is sent as it is
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type) || !window.createImageBitmap) { resolve(file); return; }
      createImageBitmap(file).then(function (bitmap) {
        var scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.[^.]*$/, "") + ".jpg", {type: "image/jpeg"}));
        }, "image/jpeg", 0.8);
      }, function () { resolve(file); });
    });
  }

  function shrinkInput(input) {
    var max = parseInt(input.dataset.max || "6", 10);
    var files = Array.prototype.slice.call(input.files, 0, max);
    if (!window.DataTransfer) return;
    input.dataset.busy = "1";
    Promise.all(files.map(shrink)).then(function (small) {
      var dt = new DataTransfer();
      small.forEach(function (f) { dt.items.add(f); });
      input.files = dt.files;
      delete input.dataset.busy;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("repair-form");
    if (form) {
      toggleNewAddress(form);
      refreshSlots(form);
      form.addEventListener("change", function (e) {
        var name = e.target.name;
        if (name === "address") toggleNewAddress(form);
        if (name === "category" || name === "address" || name === "new_site") refreshSlots(form);
      });
    }
    document.querySelectorAll(".portal input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { shrinkInput(input); });
    });
    document.querySelectorAll(".portal form[method=post]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (f.querySelector("input[type=file][data-busy]")) { e.preventDefault(); setTimeout(function () { f.requestSubmit(); }, 300); return; }
        if (f.dataset.sent) { e.preventDefault(); return; }
        f.dataset.sent = "1";
        // a slow network: the button says so instead of inviting a second tap
        f.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.classList.add("sending"); });
      });
    });
  });
})();
