/* The organiser's session page: scan a volunteer's QR with the camera where the browser can read barcodes
   (BarcodeDetector); the code lands in the scan form's field, and the organiser presses 签到 or 签退 as with a
   hand scanner. Without BarcodeDetector the button stays hidden. */
(function () {
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  var button = document.getElementById("camera-start"), video = document.getElementById("camera-view");
  var input = document.getElementById("scan-code");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then(function (stream) {
      video.srcObject = stream; video.hidden = false; video.play();
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            input.value = codes[0].rawValue;
            stream.getTracks().forEach(function (t) { t.stop(); });
            video.hidden = true; input.focus();
          } else { requestAnimationFrame(look); }
        }).catch(function () { requestAnimationFrame(look); });
      };
      look();
    });
  });
})();
