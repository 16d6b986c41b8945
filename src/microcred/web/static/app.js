/* microcred web: progressive enhancement only; every page works without it. */
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }

  function setup() {
    // Drop a file on the verify form.
    var zone = $("dropzone"), file = $("file");
    if (zone && file) {
      ["dragenter", "dragover"].forEach(function (n) {
        zone.addEventListener(n, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (n) {
        zone.addEventListener(n, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        if (e.dataTransfer && e.dataTransfer.files.length) { file.files = e.dataTransfer.files; }
      });
    }
    setupQr();
    // After Verify the verdict replaces #result below the form, out of sight on a phone: bring
    // it into view and give it the focus (keyboard and screen-reader users land on it too).
    document.body.addEventListener("htmx:afterSwap", function (e) {
      var target = e.detail && e.detail.target;
      if (!target || target.id !== "result") { return; }
      target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  // A QR code read from the camera or a photo goes to the share-link field (a URL) or the
  // text field (a JWT or JSON), and the form is submitted.
  function useQrText(text) {
    var form = document.querySelector("form.verify-form");
    if (!form) { return; }
    var link = $("link"), area = $("text");
    if (/^https?:\/\//i.test(text)) { link.value = text; area.value = ""; }
    else { area.value = text; link.value = ""; }
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function decode(canvas, ctx) {
    if (typeof jsQR !== "function") { return null; }
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var found = jsQR(img.data, img.width, img.height);
    return found ? found.data : null;
  }

  function loadJsQr(done) {
    if (typeof jsQR === "function") { done(); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/jsQR.js";
    s.onload = done;
    document.head.appendChild(s);
  }

  function setupQr() {
    var status = $("qr-status"), photo = document.querySelector("[data-qr-image]");
    if (photo) {
      photo.addEventListener("change", function () {
        var f = photo.files && photo.files[0];
        if (!f) { return; }
        loadJsQr(function () {
          var url = URL.createObjectURL(f), img = new Image();
          img.onload = function () {
            var c = document.createElement("canvas");
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            var ctx = c.getContext("2d");
            ctx.drawImage(img, 0, 0);
            URL.revokeObjectURL(url);
            var text = decode(c, ctx);
            if (text) { useQrText(text); } else if (status) { status.textContent = status.dataset.none; }
          };
          img.src = url;
        });
      });
    }
    var scan = $("scan"), stop = $("scan-stop"), box = $("scanner"), video = $("camera");
    if (!scan || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    scan.hidden = false;
    var stream = null, timer = null;
    function end() {
      if (timer) { clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      box.hidden = true;
    }
    stop.addEventListener("click", end);
    scan.addEventListener("click", function () {
      loadJsQr(function () {
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
          stream = s; video.srcObject = s; box.hidden = false; video.play();
          var c = document.createElement("canvas"), ctx = c.getContext("2d", { willReadFrequently: true });
          timer = setInterval(function () {
            if (!video.videoWidth) { return; }
            c.width = video.videoWidth; c.height = video.videoHeight;
            ctx.drawImage(video, 0, 0);
            var text = decode(c, ctx);
            if (text) { end(); useQrText(text); }
          }, 250);
        }).catch(function () { if (status) { status.textContent = status.dataset.camera; } });
      });
    });
  }

  // Share sheet: a Copy button next to each selectable link field (the field works without JS).
  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = $(button.dataset.copy), done = button.parentNode.querySelector("[data-copied]");
      if (!field) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        field.select();
        var said = function () { if (done) { done.textContent = done.dataset.copied; } };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(said, function () { document.execCommand("copy"); said(); });
        } else { document.execCommand("copy"); said(); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
    document.addEventListener("DOMContentLoaded", copyButtons);
  } else { setup(); copyButtons(); }
})();
