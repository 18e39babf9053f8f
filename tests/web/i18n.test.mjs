// The page's two languages: every key in both tables, and the language picked sensibly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickLanguage, translator } from '../../newage_desktop/web/monitor/i18n.js';
import * as en from '../../newage_desktop/web/monitor/i18n/en.js';
import * as zh from '../../newage_desktop/web/monitor/i18n/zh-CN.js';

const table = (mod) => mod.default ?? Object.values(mod)[0];

test('both languages have the same keys, none empty', () => {
  const english = table(en);
  const chinese = table(zh);
  assert.deepEqual(Object.keys(chinese).sort(), Object.keys(english).sort());
  for (const [key, text] of Object.entries(chinese)) assert.ok(text.length > 0, key);
});

test('the stored choice wins, then the browser languages, then English', () => {
  const available = ['en', 'zh-CN'];
  assert.equal(pickLanguage('en', ['zh-CN'], available), 'en');
  assert.equal(pickLanguage(null, ['zh-Hans-CN', 'en'], available), 'zh-CN');
  assert.equal(pickLanguage(null, ['fr-FR'], available), 'en');
});

test('the translator fills parameters and falls back to English', () => {
  const t = translator({ en: { hi: 'Hello {name}', only: 'E' }, 'zh-CN': { hi: '你好 {name}' } }, 'zh-CN');
  assert.equal(t('hi', { name: 'st' }), '你好 st');
  assert.equal(t('only'), 'E');
  assert.equal(t('missing'), 'missing');
});
