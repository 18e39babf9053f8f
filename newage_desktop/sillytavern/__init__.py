"""The SillyTavern side of NewAge Desktop: the bundled SillyTavern extension (``extension/``,
package data) and the installer that copies it into a SillyTavern folder."""
