// The character counter under a voice's text box (the form works without it).
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.dataset || !box.dataset.counter) return;
  var counter = document.getElementById(box.dataset.counter);
  if (counter) counter.textContent = String(box.value.length);
});
