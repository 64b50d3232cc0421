// Small progressive enhancements; every page works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Buttons with data-confirm ask before submitting their form.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// Editors get a Write/Preview toggle. The preview comes from the server, from the
// same function that renders the post when it is saved.
function setUpEditor(editor) {
  const textarea = editor.querySelector("textarea");
  const preview = editor.querySelector(".editor-preview");
  if (!textarea || !preview) return;
  const tabs = document.createElement("div");
  tabs.className = "editor-tabs";
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button button-small button-secondary";
  button.textContent = "Preview";
  button.setAttribute("aria-pressed", "false");
  tabs.append(button);
  editor.prepend(tabs);

  button.addEventListener("click", async () => {
    const showing = button.getAttribute("aria-pressed") === "true";
    if (showing) {
      preview.hidden = true;
      textarea.closest(".field").hidden = false;
      button.setAttribute("aria-pressed", "false");
      button.textContent = "Preview";
      textarea.focus();
      return;
    }
    const body = new URLSearchParams({ body: textarea.value, csrf_token: csrfToken() });
    const response = await fetch(editor.dataset.previewUrl, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrfToken() },
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({ error: "Preview failed." }));
    // The server's HTML is the sanitised output of the save pipeline.
    preview.innerHTML = data.html || "";
    if (data.error) preview.textContent = data.error;
    preview.hidden = false;
    textarea.closest(".field").hidden = true;
    button.setAttribute("aria-pressed", "true");
    button.textContent = "Write";
  });
}

document.querySelectorAll(".editor[data-preview-url]").forEach(setUpEditor);

// A second click on a submit button does nothing while the first request is on its
// way. The server does not rely on this: forms carry a submission token.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (event.defaultPrevented || form.method.toLowerCase() !== "post") return;
  const buttons = form.querySelectorAll("button[type=submit]");
  // Disabled only after the browser has taken the submission, so it is still sent.
  setTimeout(() => buttons.forEach((button) => { button.disabled = true; }), 0);
});
window.addEventListener("pageshow", () => {
  document.querySelectorAll("button[type=submit][disabled]").forEach((button) => {
    button.disabled = false;
  });
});

// Vote buttons (answers and ideas) update in place; without JavaScript the form posts
// and the page reloads. A refusal the server explains (a closed idea, a spent vote
// budget) is shown beside the button.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const widget = form.closest("[data-vote]");
  if (!widget) return;
  event.preventDefault();
  const value = form.querySelector("input[name=value]");
  const button = form.querySelector("button");
  const message = widget.querySelector(".vote-message");
  const response = await fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (response.status === 409 && message) {
    message.textContent = (await response.json()).error;
    button.disabled = false;
    return;
  }
  if (!response.ok) {
    form.submit();  // let the server's page explain (sign-in, 403, 429...)
    return;
  }
  const data = await response.json();
  widget.querySelector(".vote-count strong").textContent = data.count;
  const noun = widget.querySelector(".vote-noun");
  if (noun) noun.textContent = data.count === 1 ? "vote" : "votes";
  button.textContent = data.voted ? button.dataset.labelVoted : button.dataset.labelUnvoted;
  // The accessible name says what the button does next, as the server renders it.
  const name = data.voted ? button.dataset.ariaVoted : button.dataset.ariaUnvoted;
  if (name) button.setAttribute("aria-label", name);
  button.setAttribute("aria-pressed", String(data.voted));
  button.disabled = false;
  value.value = data.voted ? "off" : "on";
  if (message) {
    message.textContent = data.votes_left == null ? "" : `${data.votes_left} votes left on this board.`;
  }
}, true);

// While a question's or an idea's title is typed, answered questions or ideas like it
// appear under it. The server renders the list (the same page, asked by GET); without
// JavaScript the "Find similar" button does the same with a page load.
const similar = document.getElementById("similar-questions");
if (similar) {
  const form = similar.closest("form");
  let timer = null;
  const refresh = async () => {
    const params = new URLSearchParams({
      kind: form.elements.kind.value,
      title: form.elements.title.value,
    });
    const response = await fetch(`${similar.dataset.similarUrl}?${params}`, {
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("similar-questions");
    if (fresh) similar.replaceChildren(...fresh.childNodes);
  };
  form.elements.title.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  form.elements.kind.addEventListener("change", refresh);
}

// Opening a notification marks it read on the way (the link still works without it).
document.querySelectorAll("a[data-mark-read]").forEach((link) => {
  link.addEventListener("click", () => {
    const body = new FormData();
    body.append("csrf_token", document.querySelector("meta[name=csrf-token]").content);
    fetch(link.dataset.markRead, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      keepalive: true,
    });
  });
});
