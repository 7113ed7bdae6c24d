// The upload page: resumable (tus) uploads with tus-js-client, which the build copies to lib/tus-js-client.
// Files come from the file input or from a drop; each gets a row with progress, pause, resume and cancel. An upload
// whose connection drops is retried from the server's offset (retryDelays); one interrupted by a page reload
// continues when the same file is chosen again (tus-js-client remembers its URL in localStorage by fingerprint).
(function () {
  "use strict";

  const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];
  // How long to wait for the browser to read a file's duration before leaving the check to the server.
  const DURATION_CHECK_MS = 5000;

  function init() {
    const form = document.getElementById("upload-form");
    if (!form || form.dataset.wired) return;
    form.dataset.wired = "1";

    const input = document.getElementById("upload-input");
    const zone = document.getElementById("upload-drop-zone");
    const list = document.getElementById("upload-list");
    const message = document.getElementById("upload-message");
    const endpoint = form.dataset.endpoint;
    const maxBytes = Number(form.dataset.maxBytes);
    const maxDuration = Number(form.dataset.maxDurationSeconds);
    const extensions = (form.dataset.extensions || "").split(",").filter(Boolean);
    const queued = [];

    if (!window.tus || !window.tus.isSupported) {
      message.textContent = "This browser cannot send resumable uploads; please use a current Chromium, Firefox or Safari.";
      return;
    }

    showUnfinished();

    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const files = Array.from(input.files || []);
      input.value = "";
      add(files).then(startQueued);
    });

    // Dropped files start at once: dropping is the choice and the go in one gesture.
    zone.addEventListener("dragenter", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragover", (e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; });
    zone.addEventListener("dragleave", (e) => { if (!zone.contains(e.relatedTarget)) zone.classList.remove("dragging"); });
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("dragging");
      add(Array.from(e.dataTransfer.files || [])).then(startQueued);
    });

    async function add(files) {
      if (files.length === 0) {
        message.textContent = "Choose one or more video files first.";
        return;
      }
      message.textContent = "";
      const items = files.map((file) => ({ file, item: row(file) }));
      for (const { file, item } of items) {
        const refusal = check(file) || await checkDuration(file);
        if (refusal) {
          item.fail(refusal, "refused");
        } else {
          queued.push(item);
        }
      }
    }

    function startQueued() {
      while (queued.length > 0) queued.shift().start();
    }

    // The same limits the server applies, checked before a byte is sent.
    function check(file) {
      const dot = file.name.lastIndexOf(".");
      const extension = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
      const type = (file.type || "").toLowerCase();
      if (!(type.startsWith("video/") || type === "image/gif" || extensions.includes(extension))) {
        return `'${file.name}' does not look like a video${type ? ` (its type is ${type})` : ""}: Portal accepts video files (${extensions.join(", ")}) and animated GIFs.`;
      }
      if (file.size === 0) return `'${file.name}' is empty.`;
      if (file.size > maxBytes) return `'${file.name}' is ${formatSize(file.size)}; the limit is ${formatSize(maxBytes)}.`;
      return null;
    }

    // The duration, where the browser can read it from the file's metadata (not every container or codec plays
    // here; then the server's probe decides after the upload, with the same limit).
    async function checkDuration(file) {
      if (!(maxDuration > 0)) return null;
      const seconds = await readDuration(file);
      if (seconds !== null && seconds > maxDuration) {
        return `'${file.name}' lasts ${formatDuration(seconds)}; videos up to ${formatDuration(maxDuration)} long are accepted.`;
      }
      return null;
    }

    function readDuration(file) {
      return new Promise((resolve) => {
        const video = document.createElement("video");
        const url = URL.createObjectURL(file);
        let timer = null;
        const done = (seconds) => {
          clearTimeout(timer);
          video.removeAttribute("src");
          video.load();
          URL.revokeObjectURL(url);
          resolve(Number.isFinite(seconds) && seconds > 0 ? seconds : null);
        };
        timer = setTimeout(() => done(null), DURATION_CHECK_MS);
        video.preload = "metadata";
        video.muted = true;
        video.addEventListener("loadedmetadata", () => done(video.duration), { once: true });
        video.addEventListener("error", () => done(null), { once: true });
        video.src = url;
      });
    }

    function row(file) {
      const li = element("li", { "data-testid": "upload-item", class: "upload-item" });
      const name = element("span", { class: "name" }, file.name);
      const size = element("span", { class: "size" }, formatSize(file.size));
      const bar = element("progress", { max: "1", value: "0", "aria-label": `Progress of ${file.name}`, "data-testid": "upload-progress" });
      const percent = element("span", { class: "percent", "data-testid": "upload-percent" }, "");
      const state = element("span", { class: "state", "data-testid": "upload-state", role: "status" }, "ready");
      const pause = element("button", { type: "button", class: "secondary", "data-testid": "upload-pause", hidden: "" }, "Pause");
      const resume = element("button", { type: "button", class: "secondary", "data-testid": "upload-resume", hidden: "" }, "Resume");
      const cancel = element("button", { type: "button", class: "secondary", "data-testid": "upload-cancel", hidden: "" }, "Cancel");
      const link = element("a", { class: "video-link", "data-testid": "upload-video-link", hidden: "" }, "View in the library");
      pause.setAttribute("aria-label", `Pause ${file.name}`);
      resume.setAttribute("aria-label", `Resume ${file.name}`);
      cancel.setAttribute("aria-label", `Cancel ${file.name}`);
      li.append(name, size, bar, percent, state, pause, resume, cancel, link);
      list.prepend(li);

      let upload = null;

      function show(text, buttons) {
        state.textContent = text;
        pause.hidden = !buttons.includes("pause");
        resume.hidden = !buttons.includes("resume");
        cancel.hidden = !buttons.includes("cancel");
      }

      function progress(sent, total) {
        const fraction = total > 0 ? sent / total : 0;
        bar.value = fraction;
        percent.textContent = `${Math.floor(fraction * 100)}%`;
        li.dataset.bytesSent = String(sent);
      }

      function fail(text, kind) {
        show(`${kind || "failed"}: ${text}`, kind === "refused" ? [] : ["resume", "cancel"]);
        li.classList.add("failed");
      }

      function start() {
        li.classList.remove("failed");
        upload = new window.tus.Upload(file, {
          endpoint,
          retryDelays: RETRY_DELAYS,
          removeFingerprintOnSuccess: true,
          metadata: { filename: file.name, filetype: file.type || "" },
          onProgress: (sent, total) => {
            progress(sent, total);
            if (state.textContent !== "uploading") show("uploading", ["pause", "cancel"]);
          },
          onSuccess: ({ lastResponse }) => {
            progress(file.size, file.size);
            const videoId = lastResponse && lastResponse.getHeader("Portal-Video-Id");
            if (videoId) {
              li.dataset.videoId = videoId;
              link.href = "/";
              link.hidden = false;
            }
            show("uploaded", []);
            showUnfinished();
          },
          onError: (error) => fail(describe(error)),
        });
        upload.findPreviousUploads().then((previous) => {
          if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
          show(previous.length > 0 ? "resuming" : "uploading", ["pause", "cancel"]);
          upload.start();
          watchUrl();
        });
      }

      // The upload's address, once the server has given one: tests and the curious can ask it for its offset.
      function watchUrl() {
        const timer = setInterval(() => {
          if (upload && upload.url) {
            li.dataset.uploadUrl = upload.url;
            clearInterval(timer);
          }
          if (state.textContent === "uploaded" || li.classList.contains("failed")) clearInterval(timer);
        }, 100);
      }

      pause.addEventListener("click", () => {
        if (!upload) return;
        upload.abort().then(() => { show("paused", ["resume", "cancel"]); resume.focus(); });
      });
      resume.addEventListener("click", () => {
        li.classList.remove("failed");
        show("uploading", ["pause", "cancel"]);
        if (upload) {
          upload.start();
        } else {
          start();
        }
        pause.focus();
      });
      cancel.addEventListener("click", () => {
        if (!upload) return;
        // abort(true) also terminates the upload on the server (DELETE), freeing its space at once.
        upload.abort(true).catch(() => { /* already gone on the server */ }).then(() => {
          show("canceled", []);
          showUnfinished();
        });
      });

      return { start, fail };
    }

    // Uploads a previous visit left unfinished, from what tus-js-client keeps in localStorage.
    function showUnfinished() {
      const section = document.getElementById("upload-unfinished");
      const ul = section.querySelector("ul");
      ul.replaceChildren();
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (!key || !key.startsWith("tus::")) continue;
        try {
          const entry = JSON.parse(localStorage.getItem(key));
          const name = (entry.metadata && entry.metadata.filename) || "a file";
          ul.append(element("li", {}, `${name} (${formatSize(entry.size)}), started ${new Date(entry.creationTime).toLocaleString()}`));
        } catch {
          // not one of ours
        }
      }
      section.hidden = ul.children.length === 0;
    }
  }

  // A sentence for a person: the server's problem detail when there is one, else what went wrong on the way.
  function describe(error) {
    const response = error && error.originalResponse;
    if (response) {
      try {
        const problem = JSON.parse(response.getBody());
        if (problem.detail || problem.title) return problem.detail || problem.title;
      } catch {
        // not JSON
      }
      return `the server answered ${response.getStatus()}.`;
    }
    return "the connection to the portal was lost; press Resume to continue where it stopped.";
  }

  function element(tag, attributes, text) {
    const e = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) e.setAttribute(name, value);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // As the server says it (VideoLimitOptions.FormatDuration): "5.2 s", "2:05", "1:02:03", "90 min", "2 h".
  function formatDuration(seconds) {
    if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    if (s === 0 && m === 0) return `${h} h`;
    if (s === 0) return `${Math.floor(total / 60)} min`;
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
  }

  // As the server says it (UploadOptions.FormatSize, one decimal at most): "512 KiB", "3.2 MiB", "2 GiB".
  function formatSize(bytes) {
    const oneDecimal = (value) => Math.round(value * 10) / 10;
    if (bytes >= 2 ** 30) return `${oneDecimal(bytes / 2 ** 30)} GiB`;
    if (bytes >= 2 ** 20) return `${oneDecimal(bytes / 2 ** 20)} MiB`;
    return `${Math.max(1, Math.round(bytes / 1024))} KiB`;
  }

  window.portalUpload = { init };
  init();
})();
