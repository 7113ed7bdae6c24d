// A Blazor JS initializer: blazor.web.js loads this module on every page. A page reached by enhanced navigation is
// patched into the document, and Blazor does not run the <script> elements that arrive that way; so when the upload
// page arrives like that, its scripts are loaded (or, if already loaded, its wiring is run) from here.
function load(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function wireUploadPage() {
  const form = document.getElementById("upload-form");
  if (!form || form.dataset.wired) return;
  if (!window.tus) await load("lib/tus-js-client/tus.min.js");
  if (window.portalUpload) {
    window.portalUpload.init();
  } else {
    await load("js/upload.js"); // wires the page as it loads
  }
}

export function afterWebStarted(blazor) {
  blazor.addEventListener("enhancedload", () => { wireUploadPage().catch((e) => console.error(e)); });
}
