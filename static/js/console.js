// Copy buttons: <button data-copy="text">. No inline scripts, so a strict CSP can apply; the
// word they show once done comes from the page (base.html), in its language.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = document.body.dataset.copied || "Copied";  // in the page's language
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// After the server refused a form, start where the errors are listed: keyboard and
// screen-reader users land on the summary, whose links lead to each field.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();
});

// Polls (htmx) replace the list's table body or the details page's live part. A keyboard
// keeps its place (htmx refocuses an element by id; the rest is found again by what it
// is: its row, link or form, and words), and a screen reader hears what changed, once,
// in the live region (#announcer): "www.example.com: Issued", never the rows that did not.
function controlKey(element) {
  const row = element.closest("[data-certificate-id], [id]");
  return {
    id: element.id,
    row: row ? row.dataset.certificateId || row.id : "",
    tag: element.tagName,
    href: element.getAttribute("href"),
    action: element.form ? element.form.getAttribute("action") : null,
    text: element.textContent.trim(),
  };
}

function sameControl(root, key) {
  if (key.id) return document.getElementById(key.id);
  return Array.from(root.querySelectorAll(key.tag)).find((candidate) => {
    const found = controlKey(candidate);
    return found.row === key.row && found.href === key.href && found.action === key.action &&
      found.text === key.text;
  });
}

function announcements(root) {
  const said = new Map();
  root.querySelectorAll("[data-announce]").forEach((element) => {
    said.set(element.dataset.announceKey, element.dataset.announce);
  });
  return said;
}

let beforePoll = null;
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  const active = document.activeElement;
  beforePoll = {
    id: target.id,
    focus: active && active !== document.body && target.contains(active) ? controlKey(active) : null,
    said: announcements(target),
  };
});

document.addEventListener("htmx:afterSwap", () => {
  if (!beforePoll) return;
  const { id, focus, said } = beforePoll;
  beforePoll = null;
  const swapped = document.getElementById(id);
  if (!swapped) return;
  if (focus && (document.activeElement === document.body || !document.activeElement)) {
    const again = sameControl(swapped, focus);
    if (again) again.focus({ preventScroll: true });
  }
  const changed = [];
  announcements(swapped).forEach((text, key) => {
    if (said.has(key) && said.get(key) !== text) changed.push(text);
  });
  const announcer = document.getElementById("announcer");
  if (changed.length && announcer) {
    // Emptied first, then filled: a region that changes from one text to another is read.
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = changed.join(". "); }, 100);
  }
});

// A message says what just happened to the certificate in the state the page was loaded
// in ("Withdrawal requested"); once the live part shows it in another state, the message
// would contradict the page, so it goes.
document.addEventListener("DOMContentLoaded", () => {
  const shown = () => document.querySelector("#live [data-status]")?.dataset.status;
  const loaded = shown();
  if (!loaded) return;
  document.addEventListener("htmx:afterSettle", () => {
    if (shown() === loaded) return;
    document.querySelectorAll("main .messages").forEach((list) => list.remove());
  });
});
