// davgate's browser page: imports with a progress bar. The file goes to the server as
// it is; the answer is a stream of NDJSON lines (start, one per item, end).
"use strict";
(function () {
  function text(el, value) { el.textContent = value; }

  async function readLines(response, onLine) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let at;
      while ((at = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, at).trim();
        buffered = buffered.slice(at + 1);
        if (line) onLine(JSON.parse(line));
      }
    }
  }

  async function errorOf(response) {
    const body = await response.text();
    const page = new DOMParser().parseFromString(body, "text/html");
    const shown = page.querySelector(".error");
    return shown ? shown.textContent : response.status + " " + response.statusText;
  }

  function setUp(form) {
    const input = form.querySelector("input[type=file]");
    const progress = form.querySelector("progress");
    const status = form.querySelector(".import-status");
    const refusals = form.querySelector(".import-refusals");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const file = input.files[0];
      if (!file) { text(status, "Choose a file first."); return; }
      const button = form.querySelector("button");
      button.disabled = true;
      refusals.replaceChildren();
      progress.hidden = false;
      progress.removeAttribute("value");
      text(status, "Sending " + file.name + "…");
      try {
        const response = await fetch(form.action, {
          method: "POST",
          body: file,
          credentials: "same-origin",
          headers: { "X-CSRF-Token": form.querySelector("input[name=csrf]").value }
        });
        if (!response.ok) { text(status, await errorOf(response)); return; }
        let total = 0, stored = 0, refused = 0;
        await readLines(response, function (message) {
          if (message.type === "start") {
            total = message.items;
            progress.max = Math.max(total, 1);
            progress.value = 0;
          } else if (message.type === "item") {
            progress.value = message.n;
            if (message.status === "stored") { stored++; } else {
              refused++;
              const li = document.createElement("li");
              li.textContent = "Item " + message.n + (message.uid ? " (" + message.uid + ")" : "") + ": " + message.reason;
              refusals.appendChild(li);
            }
            text(status, message.n + " of " + total + " items");
          } else if (message.type === "end") {
            progress.value = progress.max;
            text(status, "Done: " + message.stored + " stored, " + message.refused + " refused.");
            form.dataset.done = "true";
          }
        });
      } catch (error) {
        text(status, "The import stopped: " + error.message);
      } finally {
        button.disabled = false;
      }
    });
  }

  document.querySelectorAll("form.import").forEach(setUp);
})();
