// In-page audit of one HTML page, run with page.evaluate (so it must stay
// self-contained: no imports, no closures over module scope). It only reads the
// DOM and computed styles, so it works with page JavaScript disabled.

export function auditPage() {
  const visible = (el) => {
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
  };
  const describe = (el) => el.outerHTML.replace(/\s+/g, ' ').slice(0, 100);

  // Headings: exactly one h1, and no level skipped going down (h2 -> h4).
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => Number(h.tagName[1]));
  const headingSkips = [];
  let previous = 0;
  for (const level of levels) {
    if (level > previous + 1) headingSkips.push(`h${previous || '-'} -> h${level}`);
    previous = level;
  }

  // Images: an alt attribute on every one, and every one loaded.
  const images = [...document.images];
  const imagesWithoutAlt = images.filter((i) => !i.hasAttribute('alt')).map(describe);
  const imagesNotLoaded = images.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.src);

  // Form fields: each has a <label>, aria-label or aria-labelledby.
  const skipTypes = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  const unlabelledFields = [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !skipTypes.has(el.type))
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(describe);

  // Language switch: links with hreflang nl and en; aria-current on the page's language.
  const switchLinks = [...document.querySelectorAll('a[hreflang]')].map((a) => ({
    hreflang: a.getAttribute('hreflang'),
    current: a.hasAttribute('aria-current'),
    href: a.getAttribute('href'),
  }));

  // Text contrast (WCAG 2.x AA): 4.5:1, or 3:1 for large text. Backgrounds are
  // composited up the ancestor chain over white.
  const parse = (c) => {
    const m = /rgba?\(([^)]+)\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const over = (top, base) => ({
    r: top.r * top.a + base.r * (1 - top.a),
    g: top.g * top.a + base.g * (1 - top.a),
    b: top.b * top.a + base.b * (1 - top.a),
    a: 1,
  });
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    return layers.reverse().reduce((base, layer) => over(layer, base), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = ({ r, g, b }) => {
    const f = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const lowContrast = [];
  let textElements = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText || !visible(el)) continue;
    textElements += 1;
    const s = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(s.color) || { r: 0, g: 0, b: 0, a: 1 }, bg);
    const [l1, l2] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed) {
      lowContrast.push(`${ratio.toFixed(2)} < ${needed}: ${describe(el)}`);
    }
  }

  return {
    lang: document.documentElement.getAttribute('lang'),
    title: document.title,
    h1: levels.filter((l) => l === 1).length,
    headingSkips,
    imagesWithoutAlt,
    imagesNotLoaded,
    unlabelledFields,
    switchLinks,
    textElements,
    lowContrast,
    hasViewportMeta: !!document.querySelector('meta[name="viewport"][content*="width=device-width"]'),
    externalResources: [...document.querySelectorAll('link[rel="stylesheet"], script[src], link[rel="preload"]')].map(describe),
  };
}

// The focused element and whether it shows a focus indicator.
export function focusState() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || '').trim().slice(0, 60),
    href: el.getAttribute('href'),
    indicator: outline || !!shadow,
    onScreen: r.right > 0 && r.bottom > 0 && r.left < window.innerWidth && r.top < window.innerHeight,
  };
}

// Horizontal overflow of the document.
export function scrollWidth() {
  return document.scrollingElement.scrollWidth;
}
