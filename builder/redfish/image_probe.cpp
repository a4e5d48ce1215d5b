// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/image_probe.hpp"

#include "redfish/transport.hpp"
#include "util/error.hpp"

#include <curl/curl.h>

#include <memory>

namespace imgbuild::redfish {

namespace {

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

size_t keep_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<Header>*>(user);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) headers->clear();
  else if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    headers->push_back({line.substr(0, colon), value});
  }
  return size * count;
}

}  // namespace

ImageProbe probe_image(const std::string& url, long timeout_seconds) {
  ImageProbe probe;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) throw Error("libcurl", "cannot create a transfer handle", {}, 3);
  CURL* h = easy.get();
  std::vector<Header> headers;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_seconds);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);  // reachability only, nothing secret sent
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(h, CURLOPT_RANGE, "0-0");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &keep_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &headers);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    probe.problem = error[0] ? error : curl_easy_strerror(rc);
    return probe;
  }
  probe.reached = true;
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  probe.status = int(status);
  probe.ranges = status == 206;
  Response response{probe.status, headers, {}};
  std::string range = response.header("Content-Range");  // "bytes 0-0/4194304"
  if (auto slash = range.rfind('/'); slash != std::string::npos && range.substr(slash + 1) != "*") {
    try {
      probe.size = std::stoll(range.substr(slash + 1));
    } catch (const std::exception&) {
    }
  } else if (status == 200) {
    curl_off_t length = -1;
    curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    probe.size = length;
  }
  return probe;
}

std::string judge_image_probe(const ImageProbe& probe, const std::string& url, std::int64_t expected_size) {
  if (!probe.reached)
    return url + ": not reachable from here (" + probe.problem + "); going on, the BMC may reach it";
  if (probe.status / 100 != 2)
    throw Error("--image-url " + url, "the server answers HTTP " + std::to_string(probe.status),
                "serve the ISO at this URL first");
  if (!probe.ranges)
    throw Error("--image-url " + url, "the server ignores Range requests (HTTP " + std::to_string(probe.status) +
                                          " to \"Range: bytes=0-0\")",
                "BMCs read the image in ranges: serve it with nginx, Apache or imgbuild's server, not "
                "python -m http.server");
  if (probe.size >= 0 && expected_size >= 0 && probe.size != expected_size)
    throw Error("--image-url " + url,
                "serves " + std::to_string(probe.size) + " bytes, the ISO has " + std::to_string(expected_size),
                "the URL does not serve this ISO");
  return url + ": served with Range support, " +
         (probe.size >= 0 ? std::to_string(probe.size) + " bytes" : std::string("size unknown"));
}

}  // namespace imgbuild::redfish
