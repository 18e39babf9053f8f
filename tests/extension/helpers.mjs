// Paths into the bundled extension, shared by the unit tests of its pure logic.
export const SRC = new URL('../../newage_desktop/sillytavern/extension/src/', import.meta.url);
export const load = (name) => import(new URL(name, SRC));
