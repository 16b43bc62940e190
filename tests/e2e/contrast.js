// Colours too close to what is behind them (WCAG 2 contrast), for tests/e2e/test_contrast.py:
// called with "texts", the texts on the page that are too faint; with "ring", how the focused
// element's outline stands out.
(what) => {
  const WHITE = { r: 255, g: 255, b: 255, a: 1 };
  const SKIPPED = new Set(["SCRIPT", "STYLE", "TITLE", "NOSCRIPT", "TEMPLATE", "OPTION", "TEXTAREA"]);

  const parse = (value) => {
    const match = /^rgba?\(([^)]+)\)$/.exec(value);
    if (!match) return null;
    const [r, g, b, a = 1] = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a),
    g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a),
    a: 1,
  });
  const channel = (value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = ({ r, g, b }) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const ratio = (x, y) => {
    const [light, dark] = [luminance(x), luminance(y)].sort((p, q) => q - p);
    return (light + 0.05) / (dark + 0.05);
  };
  const hex = ({ r, g, b }) => "#" + [r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");

  // The colour behind an element: its own background and its ancestors', composed from the first
  // opaque one up (the canvas is white).
  const backdrop = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const color = parse(getComputedStyle(node).backgroundColor);
      if (color && color.a > 0) {
        layers.push(color);
        if (color.a >= 1) break;
      }
    }
    return layers.reverse().reduce((below, layer) => over(layer, below), WHITE);
  };
  // An element with opacity fades its text into what is behind it.
  const opacity = (element) => {
    let value = 1;
    for (let node = element; node; node = node.parentElement) value *= Number(getComputedStyle(node).opacity);
    return value;
  };
  const shown = (element) => {
    if (!element.checkVisibility({ visibilityProperty: true })) return false;
    const box = element.getBoundingClientRect();
    // Visually hidden text (1 px) and the skip link parked off screen are not seen.
    return box.width > 1 && box.height > 1 && box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0;
  };
  const hasText = (element) =>
    [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  const isLarge = (style) => {
    const size = parseFloat(style.fontSize);
    return size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
  };

  const texts = () => {
    const problems = [];
    const check = (element, colorValue, what) => {
      const behind = backdrop(element);
      const color = parse(colorValue);
      const label = `${element.tagName.toLowerCase()}.${[...element.classList].join(".")} ${what}`;
      if (!color) {
        problems.push({ element: label, problem: `colour ${colorValue} not understood` });
        return;
      }
      const text = over({ ...color, a: color.a * opacity(element) }, behind);
      const needed = isLarge(getComputedStyle(element)) ? 3 : 4.5;
      const measured = ratio(text, behind);
      if (measured < needed) {
        problems.push({ element: label, color: hex(text), background: hex(behind), ratio: Math.round(measured * 100) / 100, needed });
      }
    };
    for (const element of document.body.querySelectorAll("*")) {
      if (SKIPPED.has(element.tagName) || !shown(element)) continue;
      if (hasText(element)) check(element, getComputedStyle(element).color, `“${element.textContent.trim().slice(0, 40)}”`);
      if (!element.matches("input:not([type=hidden]), select, textarea")) continue;
      if (element.value || element.type === "date") {
        check(element, getComputedStyle(element).color, `value “${element.value.slice(0, 40)}”`);
      } else if (element.placeholder) {
        check(element, getComputedStyle(element, "::placeholder").color, `placeholder “${element.placeholder}”`);
      }
    }
    return problems;
  };

  const ring = () => {
    const focused = document.activeElement;
    if (!focused || focused === document.body) return null;
    const style = getComputedStyle(focused);
    const color = parse(style.outlineColor);
    // The outline is drawn outside the element (outline-offset), over its parent's background.
    const behind = backdrop(focused.parentElement);
    return {
      element: `${focused.tagName.toLowerCase()}#${focused.id}.${[...focused.classList].join(".")}`,
      style: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
      color: color && hex(color),
      background: hex(behind),
      ratio: color ? Math.round(ratio(over(color, behind), behind) * 100) / 100 : 0,
    };
  };

  return what === "ring" ? ring() : texts();
}
