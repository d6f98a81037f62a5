/** An employee as the server lists them: the API contract's RecipientSummary. */
export type { RecipientSummary as Employee } from '../../lib/contract';
