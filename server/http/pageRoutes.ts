import express, { Router, type RequestHandler } from 'express';
import type { ClientPage, ClientPages } from './clientPages.js';

/** Bitrix24 form-POSTs a handful of short fields into the frame; anything larger is not Bitrix24. */
const formBody = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });

/**
 * The fixed handler URLs registered in the vendor card:
 *   GET|POST /        the app page (Bitrix24 opens it with a POST from the left menu)
 *   POST /install     the install page
 *   POST /events      ONAPPINSTALL / ONAPPUNINSTALL
 */
export function pageRoutes({ pages }: { pages: ClientPages }): Router {
  const router = Router();
  router.use(pages.assets);

  const servePage =
    (page: ClientPage): RequestHandler =>
    async (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(await pages.html(page));
    };

  router.get('/', servePage('index'));
  router.post('/', formBody, servePage('index'));
  router.post('/install', formBody, servePage('install'));
  router.all('/install', methodNotAllowed('POST'));

  // Event handling (verification against the stored application token) arrives with issue 3;
  // until then the endpoint says so plainly instead of pretending to accept events.
  router.post('/events', formBody, (_req, res) => {
    res.status(501).json({ error: 'NOT_IMPLEMENTED', message: 'Event handling is not implemented yet' });
  });
  router.all('/events', methodNotAllowed('POST'));
  router.all('/', methodNotAllowed('GET, POST'));
  return router;
}

function methodNotAllowed(allow: string): RequestHandler {
  return (_req, res) => {
    res.setHeader('Allow', allow);
    res.status(405).json({ error: 'METHOD_NOT_ALLOWED', message: `Use ${allow}` });
  };
}
