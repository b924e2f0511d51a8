// engage web app: the only script (CSP script-src 'self'). No inline handlers, no third party.
"use strict";

function loadFragments() {
  document.querySelectorAll("[data-src]").forEach(async (box) => {
    try {
      const response = await fetch(box.dataset.src, { credentials: "same-origin" });
      const html = await response.text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      const main = doc.querySelector("main");
      box.replaceChildren(...(main ? main.childNodes : doc.body.childNodes));
      if (!response.ok) box.classList.add("failed");
    } catch (err) {
      box.textContent = "Could not load this part: " + err;
    }
  });
}

function confirmForms() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  loadFragments();
  confirmForms();
  if (window.engageChat) window.engageChat();
});
