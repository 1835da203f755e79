/**
 * Makes an element's children look like a new set of nodes while touching only what differs. A reply that
 * streams changes at its end: its earlier text nodes and elements stay the same nodes, so the browser keeps
 * their layout and text shaping, and a selection inside them survives the next token.
 */
export function morphChildren(target: ParentNode, source: ParentNode): void {
  let current = target.firstChild;
  // A live list would shift as nodes move from `source` into `target`.
  for (const next of Array.from(source.childNodes)) {
    if (current === null) {
      target.appendChild(next);
      continue;
    }
    if (!sameKind(current, next)) {
      target.replaceChild(next, current);
      current = next.nextSibling;
      continue;
    }
    if (current.nodeType === ELEMENT_NODE) {
      morphAttributes(current as Element, next as Element);
      morphChildren(current as Element, next as Element);
    } else if (current.nodeValue !== next.nodeValue) {
      current.nodeValue = next.nodeValue;
    }
    current = current.nextSibling;
  }
  while (current !== null) {
    const following: ChildNode | null = current.nextSibling;
    current.remove();
    current = following;
  }
}

// Node.ELEMENT_NODE, without needing the global Node (tests run this on a DOM that is not the window's).
const ELEMENT_NODE = 1;

function sameKind(a: Node, b: Node): boolean {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName;
}

function morphAttributes(target: Element, source: Element): void {
  for (const { name } of Array.from(target.attributes)) {
    if (!source.hasAttribute(name)) target.removeAttribute(name);
  }
  for (const { name, value } of Array.from(source.attributes)) {
    if (target.getAttribute(name) !== value) target.setAttribute(name, value);
  }
}
