// Small DOM helpers shared by the page's modules.

export const $ = (selector) => document.querySelector(selector);

/** An element with attributes (`text` sets its text) and children. */
export function make(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
