import type { Request } from 'express';
import { LANGUAGES, type Language } from '../../contract/errorMessages.js';

/** The language of the frame's UI (it sends the portal's LANG as Accept-Language); English otherwise. */
export function requestLanguage(req: Request): Language {
  const accepted = req.acceptsLanguages(...LANGUAGES);
  return accepted === 'ru' || accepted === 'de' ? accepted : 'en';
}
