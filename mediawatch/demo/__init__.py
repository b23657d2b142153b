"""Demo material: a small fictional multilingual news website and the local HTTP server that serves it.

``mediawatch.demo.server.DemoServer`` serves ``mediawatch/demo/site`` on 127.0.0.1 so that the whole
pipeline can be exercised without internet access; ``demo_sources`` gives the matching registry entries.
"""
