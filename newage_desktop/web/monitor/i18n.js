// String lookup for the page: one table per language (i18n/<lang>.js), English as fallback.

export const DEFAULT_LANGUAGE = 'en';

/** The table to use: the stored choice if known, else the first browser language we have. */
export function pickLanguage(stored, browserLanguages, available) {
  if (stored && available.includes(stored)) return stored;
  for (const tag of browserLanguages ?? []) {
    if (typeof tag !== 'string') continue;
    if (available.includes(tag)) return tag;
    const base = tag.toLowerCase().split('-')[0];
    // zh, zh-CN, zh-Hans, zh-SG… all read Simplified Chinese best among what we have.
    const match = available.find((lang) => lang.toLowerCase().split('-')[0] === base);
    if (match) return match;
  }
  return DEFAULT_LANGUAGE;
}

/** `t(key, params)`: the string of `lang` (else English, else the key), `{name}` filled in. */
export function translator(tables, lang) {
  const table = tables[lang] ?? {};
  const fallback = tables[DEFAULT_LANGUAGE] ?? {};
  const t = (key, params = {}) => {
    const text = Object.hasOwn(table, key) ? table[key] : Object.hasOwn(fallback, key) ? fallback[key] : key;
    return text.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
  };
  // Dates and times follow the page's language, not the browser's.
  t.lang = lang;
  return t;
}
