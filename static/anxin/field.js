// The technician's phone page: signature pads and steps that survive a lost connection.
// A step is sent with fetch; if the network fails, what was typed stays in the form and in localStorage,
// a banner says "not saved", and a retry sends the same one-time token, so the server never does it twice.
(function () {
  "use strict";
  var DRAFT = "anxin-draft:" + location.pathname + ":";

  function pad(canvas) {
    var ctx = canvas.getContext("2d"), drawing = false, inked = false;
    var input = document.getElementById(canvas.dataset.signatureFor);
    function fit() {
      var ratio = window.devicePixelRatio || 1, w = canvas.clientWidth, h = canvas.clientHeight;
      canvas.width = w * ratio; canvas.height = h * ratio; ctx.scale(ratio, ratio);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    }
    function at(e) { var r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    fit();
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId); var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      e.preventDefault();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); inked = true; e.preventDefault();
    });
    function end() { if (drawing && inked) { input.value = canvas.toDataURL("image/png"); } drawing = false; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    var clear = document.querySelector("[data-signature-clear='" + canvas.dataset.signatureFor + "']");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height); input.value = ""; inked = false;
      });
    }
  }

  function key(form) { return DRAFT + (form.dataset.phoneStep || ""); }

  function saveDraft(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.name === "csrfmiddlewaretoken") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      (data[el.name] = data[el.name] || []).push(el.value);
    });
    try { localStorage.setItem(key(form), JSON.stringify(data)); } catch (err) { /* private mode: form keeps it */ }
  }

  function restoreDraft(form) {
    var raw = null;
    try { raw = localStorage.getItem(key(form)); } catch (err) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw), seen = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in data) || el.type === "file" || el.name === "csrfmiddlewaretoken") { return; }
      var i = seen[el.name] || 0;
      if (el.type === "radio" || el.type === "checkbox") { el.checked = data[el.name].indexOf(el.value) >= 0; }
      else if (i < data[el.name].length) { el.value = data[el.name][i]; seen[el.name] = i + 1; }
    });
    var note = form.querySelector(".draft-note");
    if (note) { note.hidden = false; }
  }

  function banner(form, show) {
    var box = form.querySelector(".offline-note");
    if (box) { box.hidden = !show; }
  }

  function offline(form, submitter) {
    saveDraft(form);
    banner(form, true);
    delete form.dataset.sending;
    if (submitter) { submitter.disabled = false; }
  }

  function show(response, html) {
    // the server's answer, whatever it is, is the truth: saved → redirected to the job; refused → the page again
    // a step answers with the page's partial (HX-Request), a full page only if something went very wrong
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main") || (doc.querySelector("#phone-job") ? doc.body : null);
    var main = document.querySelector("main");
    if (!fresh || !main) { location.assign(response.url); return; }
    if (response.redirected) { history.replaceState(null, "", response.url); }  // never a step's POST-only URL
    main.innerHTML = fresh.innerHTML;
    init(main);
    window.scrollTo(0, 0);
  }

  function send(form, submitter) {
    if (form.dataset.sending) { return; }  // a double tap sends once
    form.dataset.sending = "1";
    var body = new FormData(form);
    if (submitter && submitter.name) { body.append(submitter.name, submitter.value); }
    banner(form, false);
    // each step has its own URL; a second button of the form may name another (formaction)
    var url = (submitter && submitter.getAttribute("formaction")) || form.action || location.href;
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        return response.text().then(function (html) {
          if (response.redirected) {
            try { localStorage.removeItem(key(form)); } catch (err) { /* nothing stored */ }
          }
          try { show(response, html); } catch (err) { location.assign(response.url); }
        }, function () { offline(form, submitter); });
      }, function () {
        // only a failed connection is "not saved"; the same token on the retry keeps it from being done twice
        offline(form, submitter);
      });
  }

  function init(root) {
    root.querySelectorAll("canvas[data-signature-for]").forEach(pad);
    root.querySelectorAll("form[data-phone-step]").forEach(function (form) {
      restoreDraft(form);
      form.addEventListener("input", function () { saveDraft(form); });
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var submitter = e.submitter;
        if (submitter) { submitter.disabled = true; }
        send(form, submitter);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
