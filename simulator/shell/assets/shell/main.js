// @ts-check
// The Bitrix24 portal page around the app's iframe: top bar, left menu, Market card, the frame protocol
// of @bitrix24/b24jssdk and the native selectUser / selectAccess dialogs, as native ES modules, one per
// job (listed in simulator/README.md, "Layout"); no bundler, no dependencies. This is the entry point
// the page loads with <script type="module">. The modules call one another only from event handlers and
// after start-up, so the import cycles between menu, frame, market and the uninstall dialog are harmless.
import { boot, exposeForTests, state } from './state.js';
import { initTopBar } from './topBar.js';
import { initMenu, renderMenu, showView } from './menu.js';
import { openFrame } from './frame.js';
import { listenToFrame } from './relay.js';

exposeForTests();
listenToFrame();
initTopBar();
initMenu();
renderMenu();
if (boot.openOnLoad && state.installState === 'installed') void openFrame('DEFAULT');
else showView('feed');
