// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/commands.hpp"
#include "http/serve.hpp"
#include "iso/build_id.hpp"
#include "util/error.hpp"

#include <memory>

namespace imgbuild::cli {

void register_serve(CLI::App& app, Action& action) {
  struct Args {
    std::vector<std::string> images;
    std::string listen = "0.0.0.0:8080";
    std::string tls_cert;
    std::string tls_key;
    std::string log;
  };
  auto args = std::make_shared<Args>();
  auto* command = app.add_subcommand("serve", "serve images over HTTP(S) for BMC virtual media (ranged GETs) until Ctrl-C");
  command->add_option("image", args->images, "the images, each served at /NAME (its file name)")
      ->required()
      ->type_name(k_type_iso);
  command->add_option("--listen", args->listen, "ADDRESS:PORT to listen on (0.0.0.0:8080: every interface)")
      ->type_name("ADDR:PORT")
      ->capture_default_str();
  auto* cert = command->add_option("--tls-cert", args->tls_cert, "serve HTTPS with this PEM certificate (chain)")
                   ->type_name(k_type_file);
  auto* key = command->add_option("--tls-key", args->tls_key, "the PEM private key of --tls-cert (no passphrase)")
                  ->type_name(k_type_file);
  cert->needs(key);
  key->needs(cert);
  command->add_option("--log", args->log, "append one line per request to FILE instead of stderr")
      ->type_name(k_type_file);
  command->callback([args, &action] {
    action = [args]() -> int {
      http::ServeOptions options;
      http::parse_listen(args->listen, options.server);
      if (!args->tls_cert.empty()) options.server.tls = http::TlsFiles{args->tls_cert, args->tls_key};
      options.log_path = args->log;
      // An imgbuild image is named by its build id; any other file by its size and dates.
      options.content_name = [](const std::string& path) -> std::optional<std::string> {
        try {
          return iso::read_build_id(path);
        } catch (const Error&) {
          return std::nullopt;
        }
      };
      return http::serve_images(args->images, options);
    };
  });
}

}  // namespace imgbuild::cli
