import { describe, expect, it } from 'vitest';
import { de } from './de';
import { en } from './en';
import * as sharedDe from '../../../../contract/texts/de.js';
import * as sharedEn from '../../../../contract/texts/en.js';
import * as sharedRu from '../../../../contract/texts/ru.js';
import { errorText, fieldLabel, loadCatalogue, translator, type Language, type Message } from './index';
import { ru } from './ru';

const catalogues = { en, ru, de } satisfies Record<Language, unknown>;

const languages = Object.keys(catalogues) as Language[];
const english: Record<string, Message> = catalogues.en;
const keys = Object.keys(english);

const forms = (message: Message): string[] => (typeof message === 'string' ? [message] : Object.values(message));
const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!))].sort();

describe.each(languages)('the %s catalogue', (language) => {
  const catalogue: Record<string, Message | undefined> = catalogues[language];
  const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;

  it('has every key of English and no other', () => {
    expect(Object.keys(catalogue).sort()).toEqual([...keys].sort());
  });

  it.each(keys)('%s: same shape and placeholders as English, no empty text', (key) => {
    const message = catalogue[key]!;
    const reference = english[key]!;
    expect(typeof message).toBe(typeof reference);
    // The placeholders English uses (in any form) are the ones each form here uses.
    const wanted = placeholders(forms(reference).join(' '));
    for (const text of forms(message)) {
      expect(text.trim(), `empty ${language} text for ${key}`).not.toBe('');
      expect(placeholders(text), `${language} ${key}: "${text}"`).toEqual(wanted);
    }
    // Plural forms: exactly the categories the language's plural rules choose from.
    if (typeof message !== 'string') expect(Object.keys(message).sort()).toEqual([...categories].sort());
  });
});

describe('translator', () => {
  it('picks the plural form by count and fills placeholders', () => {
    expect(translator('de', de)('recipients.members', { count: 1 })).toBe('1 Mitglied');
    expect(translator('de', de)('recipients.members', { count: 1000 })).toBe('1.000 Mitglieder');
    expect(translator('ru', ru)('history.groups', { count: 3 })).toBe('3 группы');
    expect(translator('en', en)('welcome.signedInAs', { name: 'Anna' })).toBe('Signed in as Anna');
  });

  it('shows an unknown key as itself', () => {
    expect(translator('de', de)('history.status.unknown')).toBe('history.status.unknown');
  });
});

describe('loading a catalogue', () => {
  it('gives each language its own file, with the texts it shares with the server (contract/texts/) as they are there', async () => {
    const shared = { en: sharedEn, ru: sharedRu, de: sharedDe };
    for (const language of languages) {
      const catalogue = await loadCatalogue(language);
      expect(catalogue).toMatchObject(catalogues[language]);
      for (const [code, text] of Object.entries(shared[language].errors)) expect(catalogue[`error.${code}`], `${language} ${code}`).toBe(text);
      for (const [field, name] of Object.entries(shared[language].fields)) expect(catalogue[`field.${field}`], `${language} ${field}`).toBe(name);
    }
  });
});

describe('a refusal in the UI’s words', () => {
  it('is the code’s text, naming the field as the admin knows it, never the request’s name', async () => {
    const t = translator('ru', await loadCatalogue('ru'));
    expect(errorText(t, 'SEND_AT_INVALID', 'sendAt')).toBe(sharedRu.errors.SEND_AT_INVALID);
    expect(errorText(t, 'VALIDATION_FAILED', 'testToSelf')).toBe('Тест себе: недопустимое значение.');
    expect(errorText(t, 'VALIDATION_FAILED')).toBe('Запрос: недопустимое значение.');
    expect(errorText(t, 'UNKNOWN_FIELD', 'audience.colour')).toBe('Приложение не знает поле «audience.colour».');
    expect(fieldLabel(t, 'audience.users.0')).toBe('Получатели');
    expect(fieldLabel(t, 'mystery')).toBe('mystery');
    const inGerman = translator('de', await loadCatalogue('de'));
    expect(errorText(inGerman, 'TEXT_EMPTY', 'text')).toBe('Die Nachricht ist leer. Schreiben Sie den Text der Benachrichtigung.');
  });

  it('is null for a code the catalogue does not know, so the server’s message is shown instead', async () => {
    expect(errorText(translator('en', await loadCatalogue('en')), 'SOMETHING_NEWER')).toBeNull();
  });
});
