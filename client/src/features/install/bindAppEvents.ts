import type { B24Frame } from '@bitrix24/b24jssdk';
import { callRest } from '../../lib/frame';

export const APP_EVENTS = ['ONAPPINSTALL', 'ONAPPUNINSTALL'] as const;

interface BoundEvent {
  event: string;
  handler: string;
}

/** Where Bitrix24 should POST the events: /events beside the install handler (keeps any path prefix). */
export function eventHandlerUrl(location: Location = window.location): string {
  return new URL('events', new URL('.', location.href)).href;
}

/** Safe to repeat: our existing bindings are removed first, then each event is bound once. */
export async function bindAppEvents(frame: B24Frame, handler: string = eventHandlerUrl()): Promise<void> {
  const bound = await callRest<BoundEvent[]>(frame, 'event.get');
  for (const event of APP_EVENTS) {
    const ours = bound.some((binding) => binding.event.toUpperCase() === event && binding.handler === handler);
    if (ours) await callRest(frame, 'event.unbind', { event, handler });
    await callRest(frame, 'event.bind', { event, handler });
  }
}
