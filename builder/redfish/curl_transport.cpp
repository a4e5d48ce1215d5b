// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/curl_transport.hpp"

#include "digest/digest.hpp"
#include "util/base64.hpp"
#include "util/text.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace imgbuild::redfish {

std::string Response::header(const std::string& name) const {
  for (const Header& h : headers)
    if (util::iequals(h.name, name)) return h.value;
  return {};
}

namespace {

using Easy = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using Slist = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

Easy new_easy() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  Easy easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) throw Error("libcurl", "cannot create a transfer handle", {}, 3);
  return easy;
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t append_header(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::vector<Header>*>(user);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after 100 Continue): only the last one counts
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    headers->push_back({line.substr(0, colon), value});
  }
  return size * count;
}

bool is_https(const std::string& url) { return url.rfind("https://", 0) == 0; }

// How `h` checks the BMC's certificate. `pinned_pem`: the certificate a fingerprint matched.
void apply_trust(CURL* h, const Trust& trust, const std::string& pinned_pem) {
  switch (trust.mode) {
    case Trust::Mode::system: break;
    case Trust::Mode::ca_file: curl_easy_setopt(h, CURLOPT_CAINFO, trust.ca_file.c_str()); break;
    case Trust::Mode::fingerprint: {
      curl_blob blob{const_cast<char*>(pinned_pem.data()), pinned_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
      curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);  // the pinned certificate, nothing else
      curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
      break;
    }
    case Trust::Mode::insecure:
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
      break;
  }
}

}  // namespace

std::string normalize_fingerprint(const std::string& text) {
  std::string_view rest = text;
  if (rest.size() >= 7 && util::iequals(rest.substr(0, 7), "SHA256:")) rest.remove_prefix(7);
  std::optional<std::string> hex = util::sha256_hex(rest);
  if (!hex)
    throw Error("--fingerprint " + text, "not a SHA-256 fingerprint",
                "give SHA256: and the 64 hex digits of the certificate's SHA-256, as "
                "'openssl x509 -noout -fingerprint -sha256' prints it");
  return "SHA256:" + *hex;
}

std::string pem_fingerprint(const std::string& pem) {
  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  auto b = pem.find(begin);
  auto e = b == std::string::npos ? b : pem.find(end, b);
  std::optional<std::string> der;
  if (e != std::string::npos) der = util::base64_decode(pem.substr(b + begin.size(), e - b - begin.size()));
  if (!der || der->empty()) throw Error("BMC certificate", "not a PEM certificate", {}, 3);
  return "SHA256:" + digest::bytes_hex(*der, digest::Algorithm::sha256);
}

CurlTransport::CurlTransport(CurlOptions options) : m_options(std::move(options)) {
  while (!m_options.base_url.empty() && m_options.base_url.back() == '/') m_options.base_url.pop_back();
  if (!is_https(m_options.base_url) && m_options.trust.mode != Trust::Mode::insecure)
    throw Error("--bmc " + m_options.base_url, "not an https:// URL",
                "a BMC's credentials only travel over TLS; give https://HOST[:PORT]");
  if (m_options.trust.mode == Trust::Mode::fingerprint)
    m_options.trust.fingerprint = normalize_fingerprint(m_options.trust.fingerprint);
}

std::string CurlTransport::fetch_peer_certificate() const {
  Easy easy = new_easy();
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, (m_options.base_url + "/").c_str());
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, m_options.connect_timeout_seconds);
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK)
    throw ConnectionError(m_options.base_url, std::string("TLS handshake failed: ") +
                                                  (error[0] ? error : curl_easy_strerror(rc)),
                          "check that the BMC answers HTTPS on this host and port", true);
  curl_certinfo* info = nullptr;
  curl_easy_getinfo(h, CURLINFO_CERTINFO, &info);
  if (info && info->num_of_certs > 0)
    for (curl_slist* item = info->certinfo[0]; item; item = item->next)
      if (std::string field = item->data; field.rfind("Cert:", 0) == 0) return field.substr(5);
  throw ConnectionError(m_options.base_url, "the BMC presented no certificate", {}, false);
}

void CurlTransport::pin_once() {
  if (!m_pinned_pem.empty()) return;
  std::string pem = fetch_peer_certificate();
  std::string seen = pem_fingerprint(pem);
  if (seen != m_options.trust.fingerprint)
    throw ConnectionError(m_options.base_url,
                          "the BMC's certificate is " + seen + ", not the pinned " +
                              m_options.trust.fingerprint,
                          "nothing was sent; if the BMC's certificate was replaced on purpose, "
                          "check the new one on its console and pin that",
                          false);
  m_pinned_pem = pem;
  m_seen_fingerprint = seen;
}

std::string CurlTransport::trust_note() const {
  switch (m_options.trust.mode) {
    case Trust::Mode::system: return "TLS verified against the system's CA store";
    case Trust::Mode::ca_file: return "TLS verified against --ca " + m_options.trust.ca_file;
    case Trust::Mode::fingerprint: return "TLS pinned to " + m_options.trust.fingerprint;
    case Trust::Mode::insecure:
      return "INSECURE: the BMC's identity was not checked (--insecure)" +
             (m_seen_fingerprint.empty() ? std::string() : "; it presented " + m_seen_fingerprint);
  }
  return {};
}

Response CurlTransport::send(const Request& request) {
  if (m_options.trust.mode == Trust::Mode::fingerprint) pin_once();
  if (m_options.trust.mode == Trust::Mode::insecure && m_seen_fingerprint.empty() &&
      is_https(m_options.base_url)) {
    try {
      m_seen_fingerprint = pem_fingerprint(fetch_peer_certificate());
    } catch (const Error&) {
      m_seen_fingerprint = "(unknown)";
    }
  }
  Easy easy = new_easy();
  CURL* h = easy.get();
  std::string url = m_options.base_url + request.path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, m_options.connect_timeout_seconds);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, m_options.timeout_seconds);
  if (request.method != "GET") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  if (request.method == "POST" || request.method == "PATCH" || !request.body.empty()) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, long(request.body.size()));
  }
  apply_trust(h, m_options.trust, m_pinned_pem);

  curl_slist* list = nullptr;
  auto add = [&list](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
  add("Connection: close");
  add("Accept: application/json");
  add("OData-Version: 4.0");
  add("Expect:");
  if (!request.body.empty()) add("Content-Type: application/json");
  for (const Header& header : request.headers) add(header.name + ": " + header.value);
  Slist headers(list, &curl_slist_free_all);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());

  Response response;
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &append_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response.headers);
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  CURLcode rc = curl_easy_perform(h);
  std::string what = error[0] ? error : curl_easy_strerror(rc);
  if (rc == CURLE_PEER_FAILED_VERIFICATION) {
    if (m_options.trust.mode == Trust::Mode::fingerprint)
      throw ConnectionError(m_options.base_url,
                            "its certificate matches the pinned fingerprint but TLS refused it: " + what,
                            "an expired or not yet valid certificate? check the BMC's clock", false);
    std::string seen;
    try {
      seen = pem_fingerprint(fetch_peer_certificate());
    } catch (const Error&) {
      seen = "(could not be read)";
    }
    throw ConnectionError(m_options.base_url,
                          "the BMC's certificate is not trusted (" + what + "); its fingerprint is " + seen,
                          "nothing was sent; check that fingerprint on the BMC's console or "
                          "certificate page, then pass --fingerprint " + seen + " or --ca FILE",
                          false);
  }
  if (rc != CURLE_OK)
    throw ConnectionError(m_options.base_url, request.method + " " + request.path + ": " + what,
                          "check that the BMC is reachable", true);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = int(status);
  return response;
}

std::string url_host(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), curl_url_cleanup);
  char* host = nullptr;
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(handle.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK)
    return {};
  std::string out = host;
  curl_free(host);
  if (out.size() > 2 && out.front() == '[' && out.back() == ']') out = out.substr(1, out.size() - 2);
  return out;
}

}  // namespace imgbuild::redfish
