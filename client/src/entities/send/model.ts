/** A send as the API answers it (the API contract's SendView) and the statuses it goes through. */
export type { SendStatus, SendView } from '../../lib/contract';
export { FINAL_SEND_STATUSES as FINAL_STATUSES } from '../../lib/contract';
