// A classic script (a Leaflet plugin) loaded when first needed rather than with the page:
//
//   await loadScript(config.urls.vector_grid_script);
//
// Resolves once it has run; each address is loaded once. A failure is forgotten, so the next
// call tries again.

const loads = new Map();

export function loadScript(src) {
  if (!loads.has(src)) {
    loads.set(
      src,
      new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.addEventListener("load", () => resolve());
        script.addEventListener("error", () => {
          loads.delete(src);
          script.remove();
          reject(new Error(`${src} could not be loaded.`));
        });
        document.head.append(script);
      }),
    );
  }
  return loads.get(src);
}
