// Uploads each chosen file with its own request, showing per-file progress. Plain multipart POST for now;
// resumable (tus) uploads replace this in the browser-experience work.
(function () {
  const form = document.getElementById("upload-form");
  const input = document.getElementById("upload-input");
  const list = document.getElementById("upload-list");
  if (!form || form.dataset.wired) return;
  form.dataset.wired = "1";

  function row(file) {
    const li = document.createElement("li");
    li.dataset.testid = "upload-item";
    li.setAttribute("data-testid", "upload-item");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    const state = document.createElement("span");
    state.className = "state";
    state.setAttribute("data-testid", "upload-state");
    state.textContent = "waiting";
    li.append(name, bar, state);
    list.prepend(li);
    return { bar, state, li };
  }

  function send(file) {
    const ui = row(file);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/videos");
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) ui.bar.value = e.loaded / e.total;
        ui.state.textContent = "uploading";
      };
      xhr.onload = () => {
        if (xhr.status === 201) {
          const video = JSON.parse(xhr.responseText);
          ui.bar.value = 1;
          ui.state.textContent = "uploaded";
          ui.li.dataset.videoId = video.id;
        } else {
          let detail = xhr.statusText;
          try { const p = JSON.parse(xhr.responseText); detail = p.detail || p.title || detail; } catch { /* not JSON */ }
          ui.state.textContent = "failed: " + detail;
          ui.li.classList.add("failed");
        }
        resolve();
      };
      xhr.onerror = () => { ui.state.textContent = "failed: the connection was lost"; ui.li.classList.add("failed"); resolve(); };
      const body = new FormData();
      body.append("file", file, file.name);
      xhr.send(body);
    });
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const files = Array.from(input.files || []);
    input.value = "";
    for (const file of files) await send(file);
  });
})();
