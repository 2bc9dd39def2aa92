"""seabot: multilingual customer service for merchants on LINE, WeChat and Telegram."""

__version__ = "0.1.0"
__all__ = ["__version__"]
