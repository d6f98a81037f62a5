import type { Request, Response } from 'express';
import type { z } from 'zod';
import { errorAnswer, type Refusal } from '../../contract/errorMessages.js';
import { errorAnswerSchema } from '../../contract/errors.js';
import { requestLanguage } from './requestLanguage.js';

export type { Refusal };

/**
 * How /api/ answers: JSON of a shape the API contract (contract/) describes. `schema` names the
 * contract's schema and `body` must be of its type, so a route cannot answer a shape the contract
 * does not describe (tsc checks it; nothing is parsed at run time). ESLint keeps server/api/ from
 * calling `res.json` itself.
 */
export function answer<S extends z.ZodType>(res: Response, schema: S, body: z.output<S>, status = 200): void {
  res.status(status).json(body);
}

/**
 * A refusal: `{error, message, field?, detail?, ids?}`. A route names the code (one of contract/texts/
 * `errors`, so each has its text in every language) and the field; the message is that code's text in
 * the request's language (Accept-Language), never words of the route's own.
 */
export function refuse(req: Request, res: Response, status: number, refusal: Refusal): void {
  answer(res, errorAnswerSchema, errorAnswer(requestLanguage(req), refusal), status);
}
