// Small DOM helpers shared by the portal's pages (the map, the comment form, the staff pages).
// Text always goes in as text nodes (never as HTML), so names, comments and attribute values
// from residents or uploaded files cannot become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

// el("a", {href: url, class: "x"}, "text", child) -> <a href class>text<child></a>
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attributes);
  append(node, children);
  return node;
}

export function svgEl(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  setAttributes(node, attributes);
  append(node, children);
  return node;
}

function setAttributes(node, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Django-style "%(name)s" placeholders, filled with plain values.
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_match, key) => String(values[key] ?? ""));
}

// The language tag of Chinese data shown inside a page in another language.
export const DATA_LANG = "zh-Hans";
