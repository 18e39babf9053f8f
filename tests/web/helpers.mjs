// Paths into the web monitor page, shared by the unit tests of its pure logic.
export const MONITOR = new URL('../../newage_desktop/web/monitor/', import.meta.url);
export const load = (name) => import(new URL(name, MONITOR));
