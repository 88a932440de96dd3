// Withdraw, close and other actions that cannot simply be taken back: their link leads to a
// confirmation page; with JavaScript the same question opens in a <dialog> on the spot.
function opener(event) {
  const link = event.target.closest("[data-opens-dialog]");
  if (!link) return;
  const dialog = document.getElementById(link.dataset.opensDialog);
  if (!dialog || typeof dialog.showModal !== "function") return;
  event.preventDefault();
  dialog.showModal();
  dialog.querySelector("button[type=submit]")?.focus();
}

function closer(event) {
  const button = event.target.closest("[data-close-dialog]");
  if (button) button.closest("dialog")?.close();
}

export function enhanceConfirmations(root = document) {
  root.addEventListener("click", opener);
  root.addEventListener("click", closer);
}
