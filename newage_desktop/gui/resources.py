"""Icons and translations from `resources/`, wherever the app runs from.

Where `resources/` is (source checkout, frozen build, NEWAGE_RESOURCES): resource_paths.py.
"""

from __future__ import annotations

import logging
from typing import Final, Literal

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QIcon

from newage_desktop.resource_paths import resource_dir as resource_dir

log = logging.getLogger("newage.gui")

TrayState = Literal["running", "stopped", "error"]
APP_ICON_SIZES: Final = (16, 22, 24, 32, 48, 64, 128, 256)
TRAY_ICON_SIZES: Final = (16, 22, 24, 32, 48, 64)


def _icon(name: str, sizes: tuple[int, ...]) -> QIcon:
    icon = QIcon()
    png = resource_dir() / "icons" / "png"
    for size in sizes:
        path = png / f"{name}-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    if icon.isNull():
        log.warning(f"icon {name} not found under {png}")
    return icon


def app_icon() -> QIcon:
    return _icon("newage", APP_ICON_SIZES)


def tray_icon(state: TrayState) -> QIcon:
    return _icon(f"tray-{state}", TRAY_ICON_SIZES)


def effective_language(preference: str) -> str:
    """ "en" or "zh_CN": the saved choice, else the system locale (any Chinese → zh_CN)."""
    if preference:
        return preference
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translators(language: str) -> list[QTranslator]:
    """Load the app's and Qt's own translations (standard buttons) for `language`.

    Returns the translators, which the caller must keep referenced: a collected QTranslator is
    removed from the application.
    """
    app = QCoreApplication.instance()
    if app is None or language == "en":
        return []
    installed: list[QTranslator] = []
    ours = QTranslator(app)
    if ours.load(f"newage_{language}", str(resource_dir() / "i18n")):
        app.installTranslator(ours)
        installed.append(ours)
    else:
        log.warning(f"no translation for {language} under {resource_dir() / 'i18n'}")
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt)
        installed.append(qt)
    return installed


def remove_translators(translators: list[QTranslator]) -> None:
    app = QCoreApplication.instance()
    if app is not None:
        for translator in translators:
            app.removeTranslator(translator)
