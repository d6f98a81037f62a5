import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorImpl } from '../simulator.js';
import { startTestSimulator } from '../testSupport.js';

let sim: SimulatorImpl;
beforeAll(async () => {
  ({ sim } = await startTestSimulator({ portals: [{ users: 20 }] }));
});
afterAll(async () => {
  await sim.close();
});

const specifiers = (source: string) => [...source.matchAll(/^import [^'"]*['"]([^'"]+)['"];?$/gm)].map((match) => match[1]!);

/** The paths of every module reachable from `entry` by following the imports, each checked to be served as JavaScript. */
async function reachableModules(origin: string, entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [new URL(entry, origin).href];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    seen.add(url);
    const response = await fetch(url);
    expect(response.status, url).toBe(200);
    expect(response.headers.get('content-type'), url).toBe('text/javascript; charset=utf-8');
    for (const specifier of specifiers(await response.text())) queue.push(new URL(specifier, url).href);
  }
  return [...seen].map((url) => new URL(url).pathname).sort();
}

describe("the pages' scripts: native ES modules served by the shell", () => {
  it('loads its entry as a module, preloads every module, and each one it imports is served as JavaScript', async () => {
    const portal = sim.portal();
    const html = await (await fetch(portal.shellUrl())).text();
    expect(html).toContain('<script type="module" src="/_sim/shell/assets/shell/main.js"></script>');
    const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((match) => match[1]!);
    expect(preloaded).toContain('/_sim/shell/assets/shell/main.js');

    const reachable = await reachableModules(portal.origin, '/_sim/shell/assets/shell/main.js');
    expect(reachable).toEqual([...preloaded].sort());
  });

  it("loads the phone page's script as a module, and the shell's helpers it imports are served as JavaScript", async () => {
    const portal = sim.portal();
    const html = await (await fetch(portal.phoneUrl())).text();
    expect(html).toContain('<script type="module" src="/_sim/shell/assets/phone.js"></script>');
    expect(await reachableModules(portal.origin, '/_sim/shell/assets/phone.js')).toEqual(['/_sim/shell/assets/phone.js', '/_sim/shell/assets/shell/dom.js']);
  });

  it('serves nothing else from its folder', async () => {
    const origin = sim.portal().origin;
    for (const path of ['/_sim/shell/assets/shell.js', '/_sim/shell/assets/constructor', '/_sim/shell/assets/shell/nope.js', '/_sim/shell/assets/shell/main.ts', '/_sim/shell/assets/other/main.js', '/_sim/shell/assets/%2e%2e%2froutes.ts']) {
      expect((await fetch(new URL(path, origin))).status, path).toBe(404);
    }
  });
});
