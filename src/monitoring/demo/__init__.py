"""The demo store („Demodaten – fiktiv“): only the command line and the tests import this."""
