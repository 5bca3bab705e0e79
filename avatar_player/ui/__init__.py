"""The PySide6 desktop UI: views over the Qt-free models and player core."""
