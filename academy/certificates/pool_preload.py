"""Imported by the ZIP export's forkserver once, before it forks any rendering worker.

Importing it warms the renderer (fonts loaded, caches filled) in the forkserver itself, so every
worker forked from it inherits that state instead of rebuilding it: with 200 certificates on two
cores, each worker's first-use font loading was a tenth of the whole export. The forkserver is a
fresh single-threaded process that has opened no database connection, so forking it is safe.
"""
from .rendering import warm_up

warm_up()
