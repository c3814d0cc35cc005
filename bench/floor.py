"""The server's floor: a bare WSGI app answering a constant small JSON body, nothing else.

Served by the same gunicorn, with the same options, as the portal (bench/runner.py
``gunicorn_options()``), it measures what the server and the machine allow before any
Django code runs; the peer benchmark prints each portal figure as a share of it.
"""

BODY = b'{"status":"ok"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def application(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
