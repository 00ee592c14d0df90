// Behaviour the templates ask for by data attribute, so that no page needs an inline script or on*= handler
// (a strict Content-Security-Policy refuses both).
document.addEventListener("change", (e) => {
  const el = e.target.closest("[data-autosubmit]");
  if (el && el.form) el.form.submit();
});
document.addEventListener("click", (e) => {
  if (e.target.closest("[data-print]")) window.print();
});
document.addEventListener("submit", (e) => {
  const message = e.target.dataset && e.target.dataset.confirm;
  if (message && !window.confirm(message)) e.preventDefault();
});
