// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A check of the image URL from this machine before the BMC is touched. BMCs fetch an
// image with HEAD and then ranged GETs (iDRAC's httpfs); a server without Range support
// (python -m http.server) makes the virtual CD fail long after the insert was accepted.
// Only http and https URLs are probed (nfs and cifs are not libcurl's to check here), with
// no credentials and without checking TLS: nothing secret is sent.

#include <cstdint>
#include <string>

namespace imgbuild::redfish {

struct ImageProbe {
  bool reached = false;     // the server answered at all
  std::string problem;      // why not reached: libcurl's message
  int status = 0;           // of the ranged GET
  bool ranges = false;      // a "Range: bytes=0-0" GET answered 206
  std::int64_t size = -1;   // from Content-Range (or Content-Length), -1 unknown
};

ImageProbe probe_image(const std::string& url, long timeout_seconds = 20);

// The verdict on a probe of `url` for an image of `expected_size` bytes: an Error when
// the server answered but cannot serve the image (not 2xx, no ranges, another size); a
// line to log otherwise (also when this machine cannot reach it: the BMC may).
std::string judge_image_probe(const ImageProbe& probe, const std::string& url, std::int64_t expected_size);

}  // namespace imgbuild::redfish
