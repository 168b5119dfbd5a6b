"""Version of the mmsona package."""
__version__ = '0.1.0'
