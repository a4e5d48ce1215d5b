// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Lays out extra .debs as an apt repository (the "--packages DIR" of `imgbuild build`):
//
//   <root>/pool/<component>/<l>/<source>/<package>_<version>_<arch>.deb
//   <root>/dists/<suite>/<component>/binary-<arch>/{Packages,Packages.gz,Release}
//   <root>/dists/<suite>/Release          (MD5Sum, SHA1, SHA256 of every index)
//
// and checks, before anything is written, that every Depends/Pre-Depends of the extras is
// satisfied by the extras themselves or by the base disc's own Packages indices.
//
// Typical use (what `build --packages` does):
//
//   repo::RepositoryOptions options;
//   options.suite = "bookworm";                 // dists/<suite>; also Codename by default
//   options.date = build_epoch;                 // fixed date: reproducible Release
//   repo::Repository repository(options);
//   for (auto& deb : debs_in(dir)) repository.add_deb(deb);
//   repository.add_base_index(base_tree / "dists/bookworm/main/binary-amd64/Packages.gz");
//   repository.check_dependencies();            // Error listing what is missing
//   repository.write(staging / "imgbuild/repo"); // then map staging into the ISO
//
// Nothing here signs the Release file: repo/signing.hpp does (sign_release writes InRelease
// and Release.gpg beside it); an unsigned repository needs "[trusted=yes]" on its source.

#include "debformat/control.hpp"
#include "repo/deb.hpp"
#include "repo/digest.hpp"

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgbuild::repo {

struct RepositoryOptions {
  std::string suite = "stable";  // the dists/ directory name and the Release "Suite"
  std::string codename;          // Release "Codename"; empty: same as suite
  std::string component = "main";
  // binary-<arch> directories to write. Empty: every architecture of the added .debs
  // other than "all"; if there is none, an Error asks for one.
  std::vector<std::string> architectures;
  std::string origin = "imgbuild";
  std::string label = "imgbuild";
  std::string description = "Extra packages carried on the disc by imgbuild";
  // Release "Date". Unset: $SOURCE_DATE_EPOCH if set, else the current time (which makes
  // the output differ per run: a reproducible build passes its own fixed date).
  std::optional<std::time_t> date;
};

// One package in the repository (an added .deb) or in a base index.
struct PackageEntry {
  debformat::Paragraph paragraph;
  std::string package;
  std::string version;
  std::string architecture;
  std::string origin;  // the .deb or index file it came from (for error messages)
  // An installer package (.udeb, "Package-Type: udeb"): listed in
  // <component>/debian-installer/binary-<arch>/Packages, where the installer's
  // net-retriever looks, not in the index apt reads.
  bool udeb = false;
};

// A dependency of an extra package that nothing satisfies.
struct MissingDependency {
  std::string package;       // the extra package that has the relation
  std::string deb;           // its file
  std::string architecture;  // the architecture it was checked for
  std::string relation;      // the whole alternative group, e.g. "libfoo1 (>= 2) | libbar"
};

class Repository {
 public:
  explicit Repository(RepositoryOptions options);

  // Adds a .deb (reads its control data; Error for a non-.deb). A second package with the
  // same name, version and architecture is an Error naming both files.
  void add_deb(const std::filesystem::path& deb);
  // Adds every *.deb directly in `dir` (sorted by name); Error if there is none.
  void add_deb_directory(const std::filesystem::path& dir);
  // Adds the packages listed in a Packages index (plain or compressed) as available to
  // satisfy dependencies; they are not copied into the repository.
  void add_base_index(const std::filesystem::path& packages_file);
  void add_base_index_text(const std::string& text, const std::string& subject);

  // Every Depends/Pre-Depends of every extra that no extra and no base package satisfies
  // (alternatives, versioned relations, Provides), per architecture written.
  std::vector<MissingDependency> missing_dependencies() const;
  // Throws Error listing missing_dependencies() when there are any.
  void check_dependencies() const;

  // The architectures that will be written (options or derived from the .debs).
  std::vector<std::string> architectures() const;
  // Packages file text for one architecture ("all" packages appear in every one).
  // `installer`: the debian-installer index of the udebs instead.
  std::string packages_index(const std::string& architecture, bool installer = false) const;
  // The dists/<suite>/Release text for the given index files (paths relative to
  // dists/<suite>/ and their contents).
  std::string release_text(const std::vector<std::pair<std::string, std::string>>& indices) const;

  // Writes pool/ and dists/ under `root` (created if needed; existing files of the same
  // name are replaced). Does not check dependencies: call check_dependencies() first.
  void write(const std::filesystem::path& root) const;

  // Path of a package inside the repository, e.g. "pool/main/libf/libfoo/libfoo1_1.0-1_amd64.deb".
  std::string pool_path(const PackageEntry& entry, const std::string& source) const;

  const std::vector<PackageEntry>& extras() const { return m_extras; }

 private:
  struct Extra {
    std::filesystem::path file;
    std::string source;
    FileDigests digests;
  };
  std::time_t release_date() const;

  RepositoryOptions m_options;
  std::vector<PackageEntry> m_extras;
  std::vector<Extra> m_extra_files;  // parallel to m_extras
  std::vector<PackageEntry> m_base;
};

// "Thu, 01 Jan 1970 00:00:00 UTC", the format apt expects in Release files.
std::string format_release_date(std::time_t when);

}  // namespace imgbuild::repo
