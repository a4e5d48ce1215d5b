// SPDX-License-Identifier: GPL-2.0-or-later
#include "repo/repository.hpp"

#include "archive/writer.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/source_date.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <system_error>

namespace fs = std::filesystem;

namespace imgbuild::repo {

namespace {

// Fields that describe a file in the repository, not the package: recomputed by us.
bool is_file_field(const std::string& name) {
  static const char* const k_fields[] = {"Filename", "Size", "MD5sum", "SHA1", "SHA256", "SHA512"};
  for (const char* field : k_fields)
    if (name.size() == std::char_traits<char>::length(field) &&
        std::equal(name.begin(), name.end(), field,
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                               std::tolower(static_cast<unsigned char>(b)); }))
      return true;
  return false;
}

bool arch_matches(const std::string& package_arch, const std::string& target) {
  return package_arch.empty() || package_arch == "all" || package_arch == target;
}

PackageEntry entry_from(debformat::Paragraph paragraph, std::string origin) {
  PackageEntry entry;
  entry.package = paragraph.get_or("Package");
  entry.version = paragraph.get_or("Version");
  entry.architecture = paragraph.get_or("Architecture");
  entry.paragraph = std::move(paragraph);
  entry.origin = std::move(origin);
  return entry;
}

std::string render_group(const debformat::AlternativeGroup& group) {
  std::string out;
  for (const auto& relation : group) {
    if (!out.empty()) out += " | ";
    out += relation.to_string();
  }
  return out;
}

// Whether one candidate package satisfies `relation`, by name or by Provides.
bool satisfies(const PackageEntry& candidate, const debformat::Relation& relation) {
  if (candidate.package == relation.name &&
      debformat::version_satisfies(candidate.version, relation.op, relation.version))
    return true;
  auto provides = candidate.paragraph.get("Provides");
  if (!provides) return false;
  for (const auto& group : debformat::parse_relations(*provides, candidate.origin))
    for (const auto& provided : group) {
      if (provided.name != relation.name) continue;
      // An unversioned Provides satisfies only unversioned relations (Policy 7.5); a
      // versioned one "(= v)" satisfies a versioned relation when v does.
      if (relation.op.empty()) return true;
      if (provided.op == "=" && debformat::version_satisfies(provided.version, relation.op, relation.version))
        return true;
    }
  return false;
}

}  // namespace

std::string format_release_date(std::time_t when) {
  static const char* const k_days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const k_months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&when, &tm);
  char buffer[64];
  // Spelled out rather than strftime("%a %b"): the names must be English whatever the locale.
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d UTC", k_days[tm.tm_wday],
                tm.tm_mday, k_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

Repository::Repository(RepositoryOptions options) : m_options(std::move(options)) {
  auto check_name = [](const std::string& value, const char* what) {
    if (value.empty() || value.find_first_of("/ \t\n") != std::string::npos || value == "." || value == "..")
      throw Error(what, "\"" + value + "\" is not a valid name", "use a single word such as \"bookworm\"");
  };
  check_name(m_options.suite, "repository suite");
  check_name(m_options.component, "repository component");
  for (const auto& arch : m_options.architectures) check_name(arch, "repository architecture");
  if (m_options.codename.empty()) m_options.codename = m_options.suite;
}

void Repository::add_deb(const fs::path& deb) {
  DebControl control = read_deb_control(deb.string());
  for (const auto& existing : m_extras)
    if (existing.package == control.package && existing.version == control.version &&
        existing.architecture == control.architecture)
      throw Error(deb.string(),
                  "same package as " + existing.origin + " (" + control.package + " " + control.version +
                      " " + control.architecture + ")",
                  "keep one of them");
  Extra extra;
  extra.file = deb;
  extra.source = control.source;
  extra.digests = digest_file(deb.string());
  bool udeb = deb.extension() == ".udeb" || control.paragraph.get_or("Package-Type") == "udeb";
  m_extras.push_back(entry_from(std::move(control.paragraph), deb.string()));
  m_extras.back().udeb = udeb;
  m_extra_files.push_back(std::move(extra));
}

void Repository::add_deb_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(dir.string(), "not a directory", "pass a directory of .deb files");
  std::vector<fs::path> debs;
  for (const auto& item : fs::directory_iterator(dir))
    if (item.is_regular_file() && (item.path().extension() == ".deb" || item.path().extension() == ".udeb"))
      debs.push_back(item.path());
  if (debs.empty()) throw Error(dir.string(), "no .deb or .udeb files in this directory", "put the extra packages there");
  std::sort(debs.begin(), debs.end());
  for (const auto& deb : debs) add_deb(deb);
}

void Repository::add_base_index(const fs::path& packages_file) {
  add_base_index_text(read_maybe_compressed(packages_file.string()), packages_file.string());
}

void Repository::add_base_index_text(const std::string& text, const std::string& subject) {
  for (auto& paragraph : debformat::parse_paragraphs(text, subject)) {
    if (paragraph.get_or("Package").empty())
      throw Error(subject, "a paragraph has no Package field", "pass a Packages index");
    m_base.push_back(entry_from(std::move(paragraph), subject));
  }
}

std::vector<std::string> Repository::architectures() const {
  if (!m_options.architectures.empty()) return m_options.architectures;
  std::set<std::string> found;
  for (const auto& extra : m_extras)
    if (extra.architecture != "all") found.insert(extra.architecture);
  if (found.empty())
    throw Error("repository", "all extra packages are Architecture: all, so the target architecture is unknown",
                "give the architecture (e.g. amd64 or i386) explicitly");
  return {found.begin(), found.end()};
}

std::vector<MissingDependency> Repository::missing_dependencies() const {
  std::vector<MissingDependency> missing;
  std::set<std::pair<std::string, std::string>> reported;
  for (const auto& arch : architectures()) {
    std::vector<const PackageEntry*> universe;
    for (const auto& entry : m_extras)
      if (arch_matches(entry.architecture, arch)) universe.push_back(&entry);
    for (const auto& entry : m_base)
      if (arch_matches(entry.architecture, arch)) universe.push_back(&entry);
    for (const auto& extra : m_extras) {
      // A udeb's dependencies are other udebs, resolved by the installer from its own
      // indices when it loads components: not checkable against apt's world.
      if (extra.udeb || !arch_matches(extra.architecture, arch)) continue;
      for (const char* field : {"Pre-Depends", "Depends"}) {
        auto value = extra.paragraph.get(field);
        if (!value) continue;
        for (const auto& group : debformat::parse_relations(*value, extra.origin)) {
          bool ok = std::any_of(group.begin(), group.end(), [&](const debformat::Relation& relation) {
            return std::any_of(universe.begin(), universe.end(), [&](const PackageEntry* candidate) {
              return satisfies(*candidate, relation);
            });
          });
          std::string text = render_group(group);
          if (ok || !reported.insert({extra.origin, text}).second) continue;
          missing.push_back({extra.package, extra.origin, arch, text});
        }
      }
    }
  }
  return missing;
}

void Repository::check_dependencies() const {
  auto missing = missing_dependencies();
  if (missing.empty()) return;
  std::string problem = "unresolvable dependencies among the extra packages: ";
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (i) problem += "; ";
    problem += missing[i].package + " (" + fs::path(missing[i].deb).filename().string() + ", " +
               missing[i].architecture + ") needs " + missing[i].relation;
  }
  throw Error(missing.front().deb, problem,
              "add the missing .debs to the packages directory, or check that the base disc's "
              "Packages indices are given");
}

std::string Repository::pool_path(const PackageEntry& entry, const std::string& source) const {
  std::string letter = source.rfind("lib", 0) == 0 && source.size() > 3 ? source.substr(0, 4) : source.substr(0, 1);
  std::string version = entry.version;
  // Debian's file names drop the epoch ("1:2.0-1" -> "2.0-1"): a colon is not portable.
  if (auto colon = version.find(':'); colon != std::string::npos) version.erase(0, colon + 1);
  return "pool/" + m_options.component + "/" + letter + "/" + source + "/" + entry.package + "_" + version +
         "_" + entry.architecture + (entry.udeb ? ".udeb" : ".deb");
}

std::string Repository::packages_index(const std::string& architecture, bool installer) const {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < m_extras.size(); ++i)
    if (m_extras[i].udeb == installer && arch_matches(m_extras[i].architecture, architecture)) order.push_back(i);
  // Sorted, so the index does not depend on the order the .debs were found in.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = m_extras[a];
    const auto& y = m_extras[b];
    if (x.package != y.package) return x.package < y.package;
    if (int c = debformat::compare_versions(x.version, y.version)) return c < 0;
    return x.architecture < y.architecture;
  });
  std::string out;
  for (std::size_t i : order) {
    const auto& entry = m_extras[i];
    const auto& file = m_extra_files[i];
    debformat::Paragraph paragraph;
    std::vector<std::pair<std::string, std::string>> tail;
    bool file_fields_done = false;
    auto add_file_fields = [&] {
      paragraph.add("Filename", pool_path(entry, file.source));
      paragraph.add("Size", std::to_string(file.digests.size));
      paragraph.add("MD5sum", file.digests.md5);
      paragraph.add("SHA1", file.digests.sha1);
      paragraph.add("SHA256", file.digests.sha256);
      file_fields_done = true;
    };
    for (const auto& [name, value] : entry.paragraph.fields()) {
      if (is_file_field(name)) continue;
      // Where dpkg-scanpackages puts them: before the Description.
      if (!file_fields_done && name == "Description") add_file_fields();
      paragraph.add(name, value);
    }
    if (!file_fields_done) add_file_fields();
    if (!out.empty()) out += '\n';
    out += paragraph.render();
  }
  return out;
}

std::time_t Repository::release_date() const {
  if (m_options.date) return *m_options.date;
  if (auto epoch = util::source_date_epoch()) return static_cast<std::time_t>(*epoch);
  return std::time(nullptr);
}

std::string Repository::release_text(const std::vector<std::pair<std::string, std::string>>& indices) const {
  std::string archs;
  for (const auto& arch : architectures()) archs += (archs.empty() ? "" : " ") + arch;
  std::string out;
  out += "Origin: " + m_options.origin + "\n";
  out += "Label: " + m_options.label + "\n";
  out += "Suite: " + m_options.suite + "\n";
  out += "Codename: " + m_options.codename + "\n";
  out += "Date: " + format_release_date(release_date()) + "\n";
  out += "Architectures: " + archs + "\n";
  out += "Components: " + m_options.component + "\n";
  out += "Description: " + m_options.description + "\n";
  std::vector<std::pair<std::string, FileDigests>> sums;
  for (const auto& [path, content] : indices) sums.emplace_back(path, digest_bytes(content));
  std::sort(sums.begin(), sums.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  auto section = [&](const char* name, std::string FileDigests::*member) {
    out += std::string(name) + ":\n";
    for (const auto& [path, digests] : sums) {
      char size[32];
      std::snprintf(size, sizeof size, "%8llu", static_cast<unsigned long long>(digests.size));
      out += " " + digests.*member + " " + size + " " + path + "\n";
    }
  };
  section("MD5Sum", &FileDigests::md5);
  section("SHA1", &FileDigests::sha1);
  section("SHA256", &FileDigests::sha256);
  return out;
}

void Repository::write(const fs::path& root) const {
  auto archs = architectures();
  std::map<std::string, std::size_t> placed;  // pool path -> extra index
  for (std::size_t i = 0; i < m_extras.size(); ++i) {
    std::string relative = pool_path(m_extras[i], m_extra_files[i].source);
    if (auto [it, inserted] = placed.emplace(relative, i); !inserted)
      throw Error(m_extras[i].origin, "lands on the same pool path as " + m_extras[it->second].origin,
                  "remove one of them");
    fs::path target = root / relative;
    fs::create_directories(target.parent_path());
    std::error_code ec;
    fs::copy_file(m_extra_files[i].file, target, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error(target.string(), "cannot copy package: " + ec.message(), "check free space", 3);
  }
  fs::path dists = root / "dists" / m_options.suite;
  std::vector<std::pair<std::string, std::string>> indices;
  for (const auto& arch : archs) {
    std::string dir = m_options.component + "/binary-" + arch;
    std::string packages = packages_index(arch);
    std::string arch_release = "Archive: " + m_options.suite + "\nOrigin: " + m_options.origin +
                               "\nLabel: " + m_options.label + "\nComponent: " + m_options.component +
                               "\nArchitecture: " + arch + "\n";
    indices.emplace_back(dir + "/Packages", packages);
    indices.emplace_back(dir + "/Packages.gz", archive::gzip_reproducible(packages));
    indices.emplace_back(dir + "/Release", arch_release);
    std::string udebs = packages_index(arch, true);
    if (!udebs.empty()) {
      std::string installer_dir = m_options.component + "/debian-installer/binary-" + arch;
      indices.emplace_back(installer_dir + "/Packages", udebs);
      indices.emplace_back(installer_dir + "/Packages.gz", archive::gzip_reproducible(udebs));
    }
  }
  for (const auto& [relative, content] : indices) {
    fs::create_directories((dists / relative).parent_path());
    util::write_file_atomically((dists / relative).string(), content);
  }
  util::write_file_atomically((dists / "Release").string(), release_text(indices));
}

}  // namespace imgbuild::repo
