// The map opened from a section of the plan text: /map/?section=3.2 or /map/#section-3-2
// (a chapter: ?section=3 or #chapter-3) switches that section's layers on and shows them.

const NUMBER = /^\d+(\.\d+)*$/;

export function sectionFromLocation(location) {
  const asked = new URLSearchParams(location.search).get("section");
  if (asked && NUMBER.test(asked)) return asked;
  const hash = location.hash.match(/^#(?:section|chapter)-(\d+(?:-\d+)*)$/);
  return hash ? hash[1].replaceAll("-", ".") : null;
}

export function layersOfSection(catalogue, number) {
  const isChapter = !number.includes(".");
  return catalogue.filter((layer) =>
    isChapter
      ? String(layer.chapter?.number) === number
      : layer.section && layer.section.number === number,
  );
}

export function sectionTitle(catalogue, number) {
  const layer = catalogue.find((item) => item.section?.number === number);
  if (layer) return layer.section.title;
  const chapter = catalogue.find((item) => String(item.chapter?.number) === number);
  return chapter ? chapter.chapter.title : "";
}

export function anchorOf(number) {
  return number.includes(".") ? `section-${number.replaceAll(".", "-")}` : `chapter-${number}`;
}
