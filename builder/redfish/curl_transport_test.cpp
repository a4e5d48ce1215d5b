// SPDX-License-Identifier: GPL-2.0-or-later
// The libcurl transport against a real TLS server on the loopback: `openssl s_server -www`
// with a throw-away self-signed certificate. The expected fingerprint comes from
// `openssl x509 -fingerprint -sha256`, not from imgbuild's own code.
#include "redfish/curl_transport.hpp"

#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace imgbuild::redfish {
namespace {

class TlsServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) return;
    // One directory per process: ctest runs each test of this suite as its own process, in
    // parallel, and a shared directory would be wiped under a running server.
    s_dir = test::fresh_dir("redfish", "tls-server-" + std::to_string(getpid()));
    std::string d = s_dir.string();
    test::run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
              "-subj /CN=bmc.test -addext subjectAltName=IP:127.0.0.1 -keyout " + d + "/key.pem -out " + d +
              "/cert.pem 2>/dev/null");
    std::string line = test::run("openssl x509 -noout -fingerprint -sha256 -in " + d + "/cert.pem");
    s_fingerprint = line.substr(line.find('=') + 1);
    while (!s_fingerprint.empty() && s_fingerprint.back() == '\n') s_fingerprint.pop_back();
    for (int attempt = 0; attempt < 20 && s_server <= 0; ++attempt) {
      s_port = 20000 + (getpid() * 7 + attempt * 131) % 12000;  // below the ephemeral ports
      s_server = fork();
      if (s_server == 0) {
        std::string accept = "127.0.0.1:" + std::to_string(s_port);
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert",
               (d + "/cert.pem").c_str(), "-key", (d + "/key.pem").c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      if (!wait_listening()) {
        kill(s_server, SIGTERM);
        waitpid(s_server, nullptr, 0);
        s_server = -1;
      }
    }
  }
  // Replaces the running server by one on the same port presenting `cert`/`key`.
  static bool restart_with(const std::string& cert, const std::string& key) {
    kill(s_server, SIGTERM);
    waitpid(s_server, nullptr, 0);
    s_server = fork();
    if (s_server == 0) {
      std::string accept = "127.0.0.1:" + std::to_string(s_port);
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      execlp("openssl", "openssl", "s_server", "-quiet", "-www", "-accept", accept.c_str(), "-cert", cert.c_str(),
             "-key", key.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    return wait_listening();
  }
  static void TearDownTestSuite() {
    if (s_server > 0) {
      kill(s_server, SIGTERM);
      waitpid(s_server, nullptr, 0);
    }
  }
  static bool wait_listening() {
    for (int i = 0; i < 50; ++i) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(static_cast<uint16_t>(s_port));
      inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
      bool up = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
      close(fd);
      if (up) return true;
      if (waitpid(s_server, nullptr, WNOHANG) == s_server) return false;  // port taken
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  void SetUp() override {
    if (s_server <= 0) GTEST_SKIP() << "no openssl s_server on the loopback";
  }
  static CurlOptions options(Trust trust) {
    CurlOptions o;
    o.base_url = "https://127.0.0.1:" + std::to_string(s_port);
    o.trust = std::move(trust);
    o.timeout_seconds = 10;
    return o;
  }
  static Request get() { return Request{"GET", "/", {}, {}}; }

  static inline std::filesystem::path s_dir;
  static inline std::string s_fingerprint;  // "AB:CD:..." as openssl prints it
  static inline int s_port = 0;
  static inline pid_t s_server = -1;
};

TEST_F(TlsServer, UntrustedCertificateFailsAndNamesItsFingerprint) {
  CurlTransport transport(options({}));
  try {
    transport.send(get());
    FAIL() << "an unknown self-signed certificate was accepted";
  } catch (const ConnectionError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find(normalize_fingerprint(s_fingerprint)), std::string::npos) << e.what();
  }
}

TEST_F(TlsServer, PinnedFingerprintIsAccepted) {
  CurlTransport transport(options({Trust::Mode::fingerprint, {}, "sha256:" + s_fingerprint}));
  Response response = transport.send(get());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(transport.trust_note(), "TLS pinned to " + normalize_fingerprint(s_fingerprint));
}

TEST_F(TlsServer, WrongPinFailsBeforeSending) {
  std::string wrong = normalize_fingerprint(std::string(64, 'a'));
  CurlTransport transport(options({Trust::Mode::fingerprint, {}, wrong}));
  try {
    transport.send(get());
    FAIL() << "a certificate that is not the pinned one was accepted";
  } catch (const ConnectionError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("not the pinned"), std::string::npos) << e.what();
  }
}

// The pin is checked once, then the pinned certificate is the only trust anchor: a server
// that presents another certificate later fails the TLS handshake itself.
TEST_F(TlsServer, CertificateSwappedAfterPinningIsRefused) {
  CurlTransport transport(options({Trust::Mode::fingerprint, {}, "SHA256:" + s_fingerprint}));
  ASSERT_EQ(transport.send(get()).status, 200);
  std::string d = s_dir.string();
  test::run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
            "-subj /CN=bmc.test -addext subjectAltName=IP:127.0.0.1 -keyout " + d + "/key2.pem -out " + d +
            "/cert2.pem 2>/dev/null");
  if (!restart_with(d + "/cert2.pem", d + "/key2.pem")) GTEST_SKIP() << "could not restart the server";
  try {
    transport.send(get());
    ADD_FAILURE() << "a certificate other than the pinned one was accepted";
  } catch (const ConnectionError& e) {
    EXPECT_FALSE(e.retryable());
  }
  restart_with(d + "/cert.pem", d + "/key.pem");
}

TEST_F(TlsServer, CaFileIsAccepted) {
  CurlTransport transport(options({Trust::Mode::ca_file, (s_dir / "cert.pem").string(), {}}));
  EXPECT_EQ(transport.send(get()).status, 200);
}

TEST_F(TlsServer, InsecureIsExplicitAndRecorded) {
  CurlTransport transport(options({Trust::Mode::insecure, {}, {}}));
  EXPECT_EQ(transport.send(get()).status, 200);
  std::string note = transport.trust_note();
  EXPECT_NE(note.find("INSECURE"), std::string::npos);
  EXPECT_NE(note.find(normalize_fingerprint(s_fingerprint)), std::string::npos) << note;
}

TEST(RedfishCurlTransport, RefusesPlainHttpUnlessInsecure) {
  CurlOptions o;
  o.base_url = "http://127.0.0.1:1";
  EXPECT_THROW(CurlTransport{o}, Error);
  o.trust.mode = Trust::Mode::insecure;
  EXPECT_NO_THROW(CurlTransport{o});
}

TEST(RedfishCurlTransport, ConnectionRefusedIsRetryable) {
  CurlOptions o;
  o.base_url = "https://127.0.0.1:1";
  CurlTransport transport(o);
  try {
    transport.send(Request{"GET", "/redfish/v1/", {}, {}});
    FAIL() << "no exception";
  } catch (const ConnectionError& e) {
    EXPECT_TRUE(e.retryable());
  }
}

TEST(RedfishCurlTransport, UrlHostByLibcurl) {
  EXPECT_EQ(url_host("https://192.0.2.7:8443"), "192.0.2.7");
  EXPECT_EQ(url_host("https://[2001:db8::7]/redfish/v1"), "2001:db8::7");
  EXPECT_EQ(url_host("https://idrac-db1.example.org"), "idrac-db1.example.org");
  EXPECT_EQ(url_host("not a url"), "");
}

TEST(RedfishCurlTransport, FingerprintSyntax) {
  std::string hex(64, 'A');
  EXPECT_EQ(normalize_fingerprint("SHA256:" + hex), "SHA256:" + std::string(64, 'a'));
  EXPECT_THROW(normalize_fingerprint("SHA256:abc"), Error);
  EXPECT_THROW(normalize_fingerprint("MD5:" + hex), Error);
}

}  // namespace
}  // namespace imgbuild::redfish
