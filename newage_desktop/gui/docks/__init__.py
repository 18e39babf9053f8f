"""The main window's docks, one small package each (model, widget) over `CoreBridge`."""
