import type { RequestHandler } from 'express';
import { errorAnswer } from '../../contract/errorMessages.js';
import { requestLanguage } from '../api/requestLanguage.js';

/**
 * First handler of a `router.route(path)`: requests with another method get 405 with the methods the
 * path takes (HEAD goes with GET); the rest go on to the route's own handlers.
 */
export function methodsOnly(...allowed: string[]): RequestHandler {
  const allow = allowed.join(', ');
  const accepted = new Set(allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed);
  return (req, res, next) => {
    if (accepted.has(req.method)) return next();
    res.setHeader('Allow', allow);
    res.status(405).json(errorAnswer(requestLanguage(req), { error: 'METHOD_NOT_ALLOWED', detail: `Use ${allow}` }));
  };
}
