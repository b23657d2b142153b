"""mediawatch: media watch, press review and newsletter pipeline.

Data flows one way: collect -> classify -> compose -> review -> render -> deliver.
"""

__version__ = "0.1.0"
