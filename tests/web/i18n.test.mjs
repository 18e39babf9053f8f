import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './helpers.mjs';

const { pickLanguage, translator } = await load('i18n.js');
const en = (await load('i18n/en.js')).default;
const zh = (await load('i18n/zh-CN.js')).default;
const AVAILABLE = ['en', 'zh-CN'];

test('the stored choice wins, then the browser languages', () => {
  assert.equal(pickLanguage('zh-CN', ['en-US'], AVAILABLE), 'zh-CN');
  assert.equal(pickLanguage(null, ['zh-CN', 'en'], AVAILABLE), 'zh-CN');
  assert.equal(pickLanguage(null, ['zh'], AVAILABLE), 'zh-CN');
  assert.equal(pickLanguage(null, ['zh-Hans-CN'], AVAILABLE), 'zh-CN');
  assert.equal(pickLanguage(null, ['fr-FR', 'en-GB'], AVAILABLE), 'en');
  assert.equal(pickLanguage('xx', ['de'], AVAILABLE), 'en');
  assert.equal(pickLanguage(null, undefined, AVAILABLE), 'en');
});

test('lookup fills parameters and falls back to English, then to the key', () => {
  const t = translator({ en: { hi: 'Hello {name}', only: 'English only' }, 'zh-CN': { hi: '你好 {name}' } }, 'zh-CN');
  assert.equal(t('hi', { name: 'A' }), '你好 A');
  assert.equal(t('only'), 'English only');
  assert.equal(t('missing.key'), 'missing.key');
  assert.equal(t('hi'), '你好 {name}');
});

test('both tables have the same keys, none empty, and every placeholder of English in Chinese', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const table of [en, zh]) for (const [key, text] of Object.entries(table)) assert.ok(text.length > 0, key);
  for (const [key, text] of Object.entries(en)) {
    const names = (s) => (s.match(/\{\w+\}/g) ?? []).sort();
    assert.deepEqual(names(zh[key]), names(text), key);
  }
});

test('the keys the page builds from protocol values all exist', () => {
  const families = {
    mode: ['Immediate', 'HostSubmit', 'MasterOnly', 'Conversational'],
    role: ['master', 'manager', 'guest'],
    duration: ['60', '300', '3600', '86400', 'permanent'],
    req: ['sending', 'rejected', 'forwarded', 'queued', 'recorded', 'processing', 'completed', 'failed', 'cancelled'],
    memberStatus: ['idle', 'typing', 'processing', 'paused', 'muted'],
  };
  for (const [family, values] of Object.entries(families)) {
    for (const value of values) assert.ok(Object.hasOwn(en, `${family}.${value}`), `${family}.${value}`);
  }
});

test('the translator knows its language (for dates and times)', () => {
  assert.equal(translator({ en: {} }, 'zh-CN').lang, 'zh-CN');
});
