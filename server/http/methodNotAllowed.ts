import type { RequestHandler } from 'express';
import type { ErrorAnswer } from '../../contract/errors.js';

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
    res.status(405).json({ error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` } satisfies ErrorAnswer);
  };
}
