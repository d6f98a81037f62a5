import type { Response } from 'express';
import type { z } from 'zod';
import { errorAnswerSchema, type ErrorAnswer } from '../../contract/errors.js';

/**
 * How /api/ answers: JSON of a shape the API contract (contract/) describes. `schema` names the
 * contract's schema and `body` must be of its type, so a route cannot answer a shape the contract
 * does not describe (tsc checks it; nothing is parsed at run time). ESLint keeps server/api/ from
 * calling `res.json` itself.
 */
export function answer<S extends z.ZodType>(res: Response, schema: S, body: z.output<S>, status = 200): void {
  res.status(status).json(body);
}

/** A refusal: `{error, message, field?, ids?}`. */
export function refuse(res: Response, status: number, body: ErrorAnswer): void {
  answer(res, errorAnswerSchema, body, status);
}
