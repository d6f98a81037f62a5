/** What a platform shim throws for anything the frame's SDK paths do not call (see this folder's modules). */
export class FrameBuildUnsupportedError extends Error {
  constructor(library: string, what: string) {
    super(`${library}: ${what} is not supported in the frame build (client/platformShims/ implements only what @bitrix24/b24jssdk's frame paths call)`);
    this.name = 'FrameBuildUnsupportedError';
  }
}
