"""A WSGI app that says how many objects its worker has set aside from the garbage collector."""
import gc


def app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(gc.get_freeze_count()).encode()]
