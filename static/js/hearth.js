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
    // Where the post goes, so the preview links mentions as saving will.
    if (editor.dataset.contextTopicId) body.set("topic_id", editor.dataset.contextTopicId);
    if (editor.dataset.contextSlug) body.set("slug", editor.dataset.contextSlug);
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

// Typing "@" and a few letters in an editor suggests members to mention: those the
// writer has seen who may read where the post goes (the server decides). Arrow keys
// choose, Enter or Tab inserts, Escape closes. Without JavaScript, typing the
// username works the same.
function setUpMentions(editor) {
  const textarea = editor.querySelector("textarea");
  if (!textarea || !editor.dataset.mentionsUrl) return;
  const list = document.createElement("ul");
  list.id = `${textarea.id}-mentions`;
  list.className = "mention-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Members to mention");
  list.hidden = true;
  (textarea.closest(".field") || textarea).after(list);
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", list.id);
  let users = [];
  let active = -1;
  let timer = null;

  const typedName = () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = /(?:^|[^\w@.])@([A-Za-z0-9_.-]{1,30})$/.exec(before);
    return match ? match[1] : null;
  };
  const close = () => {
    list.hidden = true;
    list.replaceChildren();
    users = [];
    active = -1;
    textarea.removeAttribute("aria-activedescendant");
  };
  const highlight = (index) => {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, position) => {
      option.setAttribute("aria-selected", String(position === index));
    });
    if (index >= 0) textarea.setAttribute("aria-activedescendant", `${list.id}-${index}`);
  };
  const choose = (user) => {
    const caret = textarea.selectionStart;
    const start = textarea.value.lastIndexOf("@", caret - 1);
    const inserted = `@${user.username} `;
    textarea.value = textarea.value.slice(0, start) + inserted + textarea.value.slice(caret);
    const position = start + inserted.length;
    textarea.setSelectionRange(position, position);
    close();
    textarea.focus();
  };
  const show = (found) => {
    list.replaceChildren();
    users = found;
    found.forEach((user, index) => {
      const option = document.createElement("li");
      option.id = `${list.id}-${index}`;
      option.setAttribute("role", "option");
      const name = document.createElement("strong");
      name.textContent = `@${user.username}`;
      option.append(name, ` ${user.display_name}`);
      // mousedown, not click: the textarea keeps its focus and caret.
      option.addEventListener("mousedown", (event) => {
        event.preventDefault();
        choose(user);
      });
      list.append(option);
    });
    list.hidden = found.length === 0;
    highlight(found.length ? 0 : -1);
  };

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    const name = typedName();
    if (!name) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const url = new URL(editor.dataset.mentionsUrl, window.location.href);
      url.searchParams.set("q", name);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) {
        close();
        return;
      }
      const data = await response.json();
      if (typedName() === name) show(data.users);
    }, 200);
  });
  textarea.addEventListener("keydown", (event) => {
    if (list.hidden || !users.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : users.length - 1;
      highlight((active + step) % users.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      choose(users[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(close, 150));
}

document.querySelectorAll(".editor[data-mentions-url]").forEach(setUpMentions);

// A post's Quote link adds the post, quoted, to the reply being written, where the
// caret is. The quote comes from the server (the same page asked with ?quote=), which
// is also what the link opens without JavaScript.
document.addEventListener("click", async (event) => {
  const link = event.target.closest("a[data-quote]");
  const textarea = document.querySelector(".reply-box textarea");
  if (!link || !textarea) return;
  event.preventDefault();
  const response = await fetch(link.href, { credentials: "same-origin" });
  if (!response.ok) {
    window.location.assign(link.href);
    return;
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const quoted = page.querySelector(".reply-box textarea");
  if (!quoted) return;
  const at = textarea.selectionStart || textarea.value.length;
  const before = textarea.value.slice(0, at);
  let gap = "";
  if (before && !before.endsWith("\n\n")) gap = before.endsWith("\n") ? "\n" : "\n\n";
  textarea.value = before + gap + quoted.value + textarea.value.slice(at);
  const caret = (before + gap + quoted.value).length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
});

// Tracking counts new posts in lists: a shown topic page tells the server how far the
// member read (without JavaScript the form's button does).
document.querySelectorAll("form[data-auto-read]").forEach((form) => {
  fetch(form.action, {
    method: "POST",
    body: new FormData(form),
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  }).then((response) => {
    if (response.ok) form.hidden = true;
  });
});

// Reading time and posts seen count towards trust levels. While the topic page is
// visible, the script adds up the seconds and the highest post that came into view,
// and reports them every half minute and when the page is hidden (keepalive lets the
// last report leave with the page). The server clamps both.
document.querySelectorAll("form[data-reading-report]").forEach((form) => {
  const REPORT_EVERY_MS = 30000;
  const highestField = form.elements.highest_post_number;
  const secondsField = form.elements.seconds;
  let highestSeen = 0;
  let visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  let pendingMs = 0;

  const posts = document.querySelectorAll("li.post[id^='post-']");
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        if (!entry.isIntersecting) return;
        const number = Number(entry.target.id.replace("post-", ""));
        if (number > highestSeen) highestSeen = number;
      });
    });
    posts.forEach((post) => observer.observe(post));
  } else {
    highestSeen = Number(highestField.value);
  }

  const collect = () => {
    if (visibleSince !== null) {
      pendingMs += Date.now() - visibleSince;
      visibleSince = document.visibilityState === "visible" ? Date.now() : null;
    }
  };
  const report = () => {
    collect();
    const seconds = Math.floor(pendingMs / 1000);
    if (seconds < 1 && highestSeen === 0) return;
    pendingMs -= seconds * 1000;
    highestField.value = String(highestSeen);
    secondsField.value = String(seconds);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      keepalive: true,
    }).catch(() => {});
  };
  setInterval(() => {
    if (document.visibilityState === "visible") report();
  }, REPORT_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      report();
    } else {
      visibleSince = Date.now();
    }
  });
});
