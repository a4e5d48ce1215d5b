// SPDX-License-Identifier: GPL-2.0-or-later
#include "http/file_handler.hpp"
#include "http/ranges.hpp"
#include "http/serve.hpp"
#include "http/server.hpp"
#include "util/error.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <mutex>

// Designated initializers name only the headers a case sends.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace imgbuild::http {
namespace {

using Kind = RangeRequest::Kind;

TEST(Range, SingleRangesAreClampedToTheFile) {
  EXPECT_EQ(parse_range("bytes=0-499", 1000).range, (ByteRange{0, 500}));
  EXPECT_EQ(parse_range("bytes=500-", 1000).range, (ByteRange{500, 500}));
  EXPECT_EQ(parse_range("bytes=-300", 1000).range, (ByteRange{700, 300}));
  EXPECT_EQ(parse_range("bytes=-3000", 1000).range, (ByteRange{0, 1000}));
  EXPECT_EQ(parse_range("bytes=900-5000", 1000).range, (ByteRange{900, 100}));
  EXPECT_EQ(parse_range("bytes=999-999", 1000).range, (ByteRange{999, 1}));
  EXPECT_EQ(parse_range("Bytes= 10 - 19 ", 1000).range, (ByteRange{10, 10}));
  EXPECT_EQ(parse_range("bytes=0-0", 1000).kind, Kind::Single);
}

TEST(Range, OutsideTheFileIsUnsatisfiable) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=1000-2000", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-5", 0).kind, Kind::Unsatisfiable);
}

TEST(Range, MalformedOtherUnitsAndSeveralRangesAreTheWholeFile) {
  for (const char* header : {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=0-1x", "bytes=-",
                             "bytes=+1-2", "bytes=99999999999999999999-"})
    EXPECT_EQ(parse_range(header, 1000).kind, Kind::None) << header;
  RangeRequest several = parse_range("bytes=0-1,5-9", 1000);
  EXPECT_EQ(several.kind, Kind::None);
  EXPECT_TRUE(several.multiple);
}

const FileValidators k_file{1000, "\"abc\"", 784111777};  // Sun, 06 Nov 1994 08:49:37 GMT

TEST(Decide, PlainGetAndHeadAreTheWholeFile) {
  EXPECT_EQ(decide({}, k_file, false), (FileDecision{200, {0, 1000}, ""}));
  EXPECT_EQ(decide({.range = "bytes=0-9"}, k_file, true), (FileDecision{200, {0, 1000}, ""}));
}

TEST(Decide, RangeGives206Or416) {
  EXPECT_EQ(decide({.range = "bytes=10-19"}, k_file, false), (FileDecision{206, {10, 10}, "bytes 10-19/1000"}));
  EXPECT_EQ(decide({.range = "bytes=2000-"}, k_file, false), (FileDecision{416, {0, 0}, "bytes */1000"}));
  EXPECT_EQ(decide({.range = "bytes=0-1,3-4"}, k_file, false).status, 200);
}

TEST(Decide, IfRangeMustMatchStronglyOrExactly) {
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "\"abc\""}, k_file, false).status, 206);
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "\"other\""}, k_file, false).status, 200);
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "W/\"abc\""}, k_file, false).status, 200);
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "Sun, 06 Nov 1994 08:49:37 GMT"}, k_file, false).status, 206);
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "Sun, 06 Nov 1994 08:49:38 GMT"}, k_file, false).status, 200);
  EXPECT_EQ(decide({.range = "bytes=10-19", .if_range = "garbage"}, k_file, false).status, 200);
  // An If-Range that fails gives the whole file, even for an unsatisfiable range.
  EXPECT_EQ(decide({.range = "bytes=5000-", .if_range = "\"other\""}, k_file, false).status, 200);
}

TEST(Decide, ConditionalGetGives304) {
  EXPECT_EQ(decide({.if_none_match = "\"abc\""}, k_file, false).status, 304);
  EXPECT_EQ(decide({.if_none_match = "\"x\", W/\"abc\""}, k_file, true).status, 304);
  EXPECT_EQ(decide({.if_none_match = "*"}, k_file, false).status, 304);
  EXPECT_EQ(decide({.if_none_match = "\"x\""}, k_file, false).status, 200);
  EXPECT_EQ(decide({.if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT"}, k_file, false).status, 304);
  EXPECT_EQ(decide({.if_modified_since = "Sun, 06 Nov 1994 08:49:36 GMT"}, k_file, false).status, 200);
  EXPECT_EQ(decide({.if_modified_since = "yesterday"}, k_file, false).status, 200);
  // If-None-Match wins: a non-matching tag is a 200 whatever the date says.
  EXPECT_EQ(decide({.if_none_match = "\"x\"", .if_modified_since = "Sun, 06 Nov 1994 08:49:37 GMT"}, k_file, false)
                .status,
            200);
}

TEST(HttpDate, AllThreeFormsAreRead) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"), std::nullopt);
  EXPECT_EQ(parse_http_date(""), std::nullopt);
}

TEST(Listen, AddressesAndPorts) {
  ServerOptions options;
  parse_listen("127.0.0.1:0", options);
  EXPECT_EQ(options.address, "127.0.0.1");
  EXPECT_EQ(options.port, 0);
  parse_listen("[::1]:8443", options);
  EXPECT_EQ(options.address, "::1");
  EXPECT_EQ(options.port, 8443);
  parse_listen(":9000", options);
  EXPECT_EQ(options.address, "0.0.0.0");
  for (const char* bad : {"8080", "host:80", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "[::1]:x"})
    EXPECT_THROW(parse_listen(bad, options), Error) << bad;
}

TEST(Router, UnknownPathsAre404OtherMethods405) {
  Router router;
  router.add("GET", "/a.iso", [](const Request&) { return Response::text(200, "a"); });
  Request request;
  request.method = "GET";
  request.path = "/a.iso";
  EXPECT_EQ(router(request).status, 200);
  request.method = "DELETE";
  Response refused = router(request);
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(refused.headers.back().name, "Allow");
  EXPECT_EQ(refused.headers.back().value, "GET");
  for (const char* path : {"/", "/../a.iso", "/a.iso/", "//a.iso", "/A.ISO", "a.iso", "/a.iso/.."}) {
    request.path = path;
    request.method = "GET";
    EXPECT_EQ(router(request).status, 404) << path;
  }
}

TEST(Router, TargetsAreDecodedWithoutNulOrBadEscapes) {
  EXPECT_EQ(decode_path("/a%20b.iso?x=1"), "/a b.iso");
  EXPECT_EQ(decode_path("/%2e%2E/etc"), "/../etc");
  EXPECT_EQ(decode_path("/x.iso"), "/x.iso");
  for (const char* bad : {"/x.iso%00", "/x%0", "/x%", "/x%zz", "x.iso", "*", "http://h/x.iso"})
    EXPECT_EQ(decode_path(bad), std::nullopt) << bad;
}

TEST(Serve, UrlPathsAreFileNamesAndMustDiffer) {
  EXPECT_EQ(url_paths({"out/pe2950.iso", "/srv/r660.iso"}), (std::vector<std::string>{"/pe2950.iso", "/r660.iso"}));
  EXPECT_THROW(url_paths({"a/x.iso", "b/x.iso"}), Error);
  EXPECT_EQ(url_escape("a b+c.iso"), "a%20b%2Bc.iso");
}

TEST(Serve, LogLinesAndStatus) {
  Exchange exchange{"192.0.2.7", 53422, "GET", "/x.iso\n\"", "HTTP/1.1", 206, 1048576, true, 0.004};
  EXPECT_EQ(format_exchange(exchange, 784111777),
            "1994-11-06T08:49:37Z 192.0.2.7:53422 \"GET /x.iso\\x0a\\x22 HTTP/1.1\" 206 1048576 0.004s");
  exchange.client = "2001:db8::7";
  exchange.completed = false;
  EXPECT_NE(format_exchange(exchange, 0).find("[2001:db8::7]:53422"), std::string::npos);
  EXPECT_TRUE(format_exchange(exchange, 0).ends_with(" aborted"));
  std::map<std::string, ClientTotal> clients{{"192.0.2.7", {3 << 20, 3}}, {"192.0.2.8", {1 << 20, 1}}};
  EXPECT_EQ(format_status(2, clients, 200), "serving 2 images, 2 clients: 192.0.2.7 3.0 MiB, 192.0.2.8 1.0 MiB");
  EXPECT_EQ(format_status(2, clients, 20).size(), 20u);
}

TEST(FileHandler, AnswersFromTheFileAsItIsNow) {
  auto dir = test::fresh_dir("http", "file_handler");
  test::write_file(dir / "x.iso", std::string(1000, 'x'));
  FileHandler handler((dir / "x.iso").string(), "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(handler.etag(), "\"0123456789abcdef0123456789abcdef\"");
  Request request;
  request.method = "GET";
  request.headers = {{"range", "bytes=100-199"}};
  Response ranged = handler(request);
  EXPECT_EQ(ranged.status, 206);
  EXPECT_EQ(std::get<FileBody>(ranged.body).offset, 100u);
  EXPECT_EQ(ranged.body_length(), 100u);
  // Rewritten: another identity, so the build id no longer names it.
  test::write_file(dir / "x.iso", std::string(2000, 'y'));
  Response full = handler(Request{.method = "GET"});
  EXPECT_EQ(full.body_length(), 2000u);
  bool identity_tag = false;
  for (const auto& h : full.headers) identity_tag |= h.name == "ETag" && h.value != handler.etag();
  EXPECT_TRUE(identity_tag);
}

}  // namespace
}  // namespace imgbuild::http

namespace imgbuild::http {
namespace {

// The server itself, as a JSON API will use it: any method, a request body, custom status
// codes and headers; checked with curl.
TEST(Server, BodiesMethodsStatusesAndHeadersRoundTrip) {
  auto dir = test::fresh_dir("http", "server");
  Router router;
  router.add("POST", "/api/sessions", [](const Request& request) {
    Response response = Response::text(201, "{\"got\":\"" + request.body + "\"}");
    response.headers = {{"Content-Type", "application/json"},
                        {"Location", "/api/sessions/1"},
                        {"X-Auth-Token", request.header("x-client").value_or("none")},
                        {"ETag", "W/\"1\""}};
    return response;
  });
  router.add("DELETE", "/api/sessions", [](const Request&) { return Response::text(204, ""); });
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.max_body = 64;
  std::vector<Exchange> exchanges;
  std::mutex mutex;
  {
    Server server(options, router, [&](const Exchange& e) {
      std::lock_guard lock(mutex);
      exchanges.push_back(e);
    });
    ASSERT_NE(server.port(), 0);
    std::string url = server.base_url() + "/api/sessions";
    EXPECT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << url;
    std::string out = test::run("curl -sS -D " + (dir / "h").string() + " -H 'X-Client: c1' -d 'hello' " + url);
    EXPECT_EQ(out, "{\"got\":\"hello\"}");
    std::string headers = test::slurp(dir / "h");
    EXPECT_NE(headers.find("HTTP/1.1 201"), std::string::npos) << headers;
    EXPECT_NE(headers.find("Location: /api/sessions/1\r\n"), std::string::npos) << headers;
    EXPECT_NE(headers.find("X-Auth-Token: c1\r\n"), std::string::npos) << headers;
    EXPECT_EQ(test::run("curl -sS -o /dev/null -w '%{http_code}' -X DELETE " + url), "204");
    EXPECT_EQ(test::run("curl -sS -o /dev/null -w '%{http_code}' -X PATCH -d x " + url), "405");
    EXPECT_EQ(test::run("curl -sS -o /dev/null -w '%{http_code}' -d " + std::string(100, 'x') + " " + url), "413");
    EXPECT_EQ(test::run("curl -sS -o /dev/null -w '%{http_code}' " + server.base_url() + "/api"), "404");
  }
  ASSERT_EQ(exchanges.size(), 5u);  // all logged by the time the server is gone
  EXPECT_EQ(exchanges[0].method, "POST");
  EXPECT_EQ(exchanges[0].status, 201);
  EXPECT_EQ(exchanges[0].client, "127.0.0.1");
}

TEST(Server, AnAddressInUseIsOneLineWithTheFix) {
  ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  Router router;
  Server first(options, router);
  options.port = first.port();
  try {
    Server second(options, router);
    FAIL() << "two servers on one port";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("choose another port"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace imgbuild::http
