import express from 'express';
import type { SimPortalImpl } from './portal.js';
import { handleRest } from './restHttp.js';
import { createShellRouter } from './shell/routes.js';
import { createSimRouter } from './simRoutes.js';

/** The HTTP face of one portal: REST under /rest/, test endpoints under /_sim/, and the shell pages. */
export function createPortalApp(portal: SimPortalImpl): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use('/rest', (req, res) => {
    // Express strips the mount path; the REST layer wants the full URL.
    req.url = req.originalUrl;
    void handleRest(req, res, portal);
  });
  app.use(createSimRouter(portal));
  app.use(createShellRouter(portal));
  return app;
}
