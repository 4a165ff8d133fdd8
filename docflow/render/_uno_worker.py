"""UNO worker: runs under Debian's /usr/bin/python3 (which has python3-uno), connects to one
running soffice and converts documents on request. It imports nothing from docflow.

Protocol (one JSON object per line): stdin ``{"src": path, "dst": path}`` ->
stdout ``{"ok": true}`` or ``{"ok": false, "error": "..."}``. The first line printed is
``{"ready": true}`` once connected. The parent (convert.py) owns timeouts and restarts.
``{"soffice_pid": N}`` (no reply, sent as soon as soffice is spawned, and again if it is
spawned anew) names the soffice this worker serves: when stdin closes (the parent stopped, or
died, even by SIGKILL, even during start-up) the worker kills that soffice's process group,
which runs in a session of its own and would otherwise outlive the parent.
"""

import json
import os
import queue
import signal
import sys
import threading
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe, deadline):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext"
    while True:
        try:
            ctx = resolver.resolve(url)
            smgr = ctx.ServiceManager
            return smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def pdf_filter():
    data = uno.Any(
        "[]com.sun.star.beans.PropertyValue",
        tuple(
            [
                prop("SelectPdfVersion", 3),  # PDF/A-3b
                prop("UseTaggedPDF", True),
                prop("EmbedStandardFonts", True),
                # Writer bookmarks -> named destinations: pdf.py places signature fields there.
                prop("ExportBookmarksToPDFDestination", True),
                prop("ExportBookmarks", False),
                prop("ExportFormFields", False),
            ]
        ),
    )
    return (prop("FilterName", "writer_pdf_Export"), prop("FilterData", data))


class _Parent:
    """Reads stdin on a thread of its own: conversion requests go to a queue, ``soffice_pid``
    messages name the soffice to end, and end of input (the parent stopped, or died, even by
    SIGKILL, even while LibreOffice is still starting) kills that soffice and this worker."""

    def __init__(self):
        self.requests: queue.Queue[dict] = queue.Queue()
        self.soffice_pid = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            request = json.loads(line)
            if "soffice_pid" in request:
                self.soffice_pid = int(request["soffice_pid"])
            else:
                self.requests.put(request)
        if self.soffice_pid:
            try:
                os.killpg(self.soffice_pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)


def main():
    pipe = sys.argv[1]
    startup_timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    parent = _Parent()
    desktop = connect(pipe, time.monotonic() + startup_timeout)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    # The filter is named so that a broken file fails instead of being "detected" as plain text.
    load_props = (
        prop("Hidden", True),
        prop("ReadOnly", True),
        prop("UpdateDocMode", 0),
        prop("FilterName", "MS Word 2007 XML"),
    )
    store_props = pdf_filter()
    while True:
        request = parent.requests.get()
        doc = None
        try:
            src = uno.systemPathToFileUrl(request["src"])
            dst = uno.systemPathToFileUrl(request["dst"])
            doc = desktop.loadComponentFromURL(src, "_blank", 0, load_props)
            if doc is None:
                raise RuntimeError("LibreOffice could not load the document")
            doc.storeToURL(dst, store_props)
            reply: dict[str, object] = {"ok": True}
        except Exception as exc:  # report, let the parent decide (restart, retry)
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:
                    try:
                        doc.dispose()
                    except Exception:
                        pass
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
