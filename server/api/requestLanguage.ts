import type { Request } from 'express';
import type { Language } from '../bitrix/errorCatalog.js';

/** The language of the frame's UI (it sends the portal's LANG as Accept-Language); English otherwise. */
export function requestLanguage(req: Request): Language {
  const accepted = req.acceptsLanguages('en', 'ru', 'de');
  return accepted === 'ru' || accepted === 'de' ? accepted : 'en';
}
