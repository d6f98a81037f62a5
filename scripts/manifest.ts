import { parseArgs } from 'node:util';
import { loadManifest, vendorCard } from '../manifest/manifestSchema.js';

/** `npm run manifest -- --url https://push.example.com`: the vendor card's values for that public URL. */
const { values } = parseArgs({ options: { url: { type: 'string' } } });
const url = values.url ?? process.env.PUBLIC_URL;
if (!url) {
  console.error('Usage: npm run manifest -- --url https://your-public-url');
  process.exit(2);
}
try {
  const rows = vendorCard(loadManifest(), url);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
