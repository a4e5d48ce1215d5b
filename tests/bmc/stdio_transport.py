# SPDX-License-Identifier: GPL-2.0-or-later
"""A requests transport adapter that hands each request to tests/drivers/bmc-stdio (one
JSON line in, one out) instead of the network, so Python Redfish clients (sushy,
redfishtool) can drive the emulated BMC model without an HTTP server."""
import io
import json

import requests
import requests.adapters


class StdioAdapter(requests.adapters.BaseAdapter):
    """Hands each request to bmc-stdio as one JSON line, reads its answer line back."""

    def __init__(self, process):
        super().__init__()
        self.process = process
        self.log = []

    def send(self, request, **kwargs):
        url = requests.utils.urlparse(request.url)
        body = request.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        line = json.dumps({"method": request.method, "path": url.path,
                           "headers": [[k, v] for k, v in request.headers.items()], "body": body})
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        self.log.append("%s %s%s -> %d" % (request.method, url.path,
                                           " (If-Match)" if "If-Match" in request.headers else "", answer["status"]))
        response = requests.Response()
        response.status_code = answer["status"]
        response.headers = requests.structures.CaseInsensitiveDict(dict(answer["headers"]))
        response.raw = io.BytesIO(answer["body"].encode("utf-8"))
        response._content = answer["body"].encode("utf-8")
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self):
        pass


def mount_everywhere(adapter, host="bmc.invalid"):
    """Makes every requests.Session created from now on (requests.get and friends make
    their own) send http(s)://HOST through `adapter`."""
    original = requests.sessions.Session.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.mount("http://" + host, adapter)
        self.mount("https://" + host, adapter)

    requests.sessions.Session.__init__ = init
