// SPDX-License-Identifier: GPL-2.0-or-later
#include "inspect/guestfs_guest.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/progress.hpp"

#include <dlfcn.h>
#include <guestfs.h>

#include <algorithm>
#include <type_traits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace imgbuild::inspect {

namespace {

// libguestfs is loaded when a disk is first opened, not linked: with it come libvirt,
// GnuTLS, GLib and ICU, about 17 MB of resident pages in every process that links it,
// which `build`, `inspect` of an ISO or a boot-stage `verify` never use (issue 15: peak
// RSS of build). The header still gives every function's type.
//
// Every libguestfs function imgbuild calls, named once: the table's fields and their
// lookup both come from this list.
#define IMGBUILD_GUESTFS_FUNCTIONS(X) \
  X(add_drive_opts) \
  X(close) \
  X(create_flags) \
  X(inspect_get_arch) \
  X(inspect_get_distro) \
  X(inspect_get_hostname) \
  X(inspect_get_major_version) \
  X(inspect_get_minor_version) \
  X(inspect_get_mountpoints) \
  X(inspect_get_product_name) \
  X(inspect_get_type) \
  X(inspect_os) \
  X(is_dir_opts) \
  X(is_file_opts) \
  X(last_error) \
  X(launch) \
  X(list_devices) \
  X(list_filesystems) \
  X(ls) \
  X(mount_ro) \
  X(pread_device) \
  X(read_file) \
  X(set_backend) \
  X(set_backend_settings) \
  X(set_error_handler) \
  X(shutdown) \
  X(vfs_label) \
  X(vfs_uuid)

struct Library {
#define IMGBUILD_GUESTFS_FIELD(name) decltype(&::guestfs_##name) name;
  IMGBUILD_GUESTFS_FUNCTIONS(IMGBUILD_GUESTFS_FIELD)
#undef IMGBUILD_GUESTFS_FIELD
};

const Library& lib() {
  static const Library loaded = [] {
    // Kept for the process's lifetime: libguestfs's atexit handlers live in it.
    void* so = ::dlopen("libguestfs.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!so)
      throw Error("libguestfs", std::string("cannot load libguestfs.so.0: ") + ::dlerror(),
                  "install libguestfs0 (apt-get install libguestfs0)", 3);
    Library api{};
    auto resolve = [so](auto& function, const char* name) {
      function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(::dlsym(so, name));
      if (!function)
        throw Error("libguestfs", std::string("libguestfs.so.0 lacks ") + name, "install libguestfs0 1.40 or later", 3);
    };
#define IMGBUILD_GUESTFS_RESOLVE(name) resolve(api.name, "guestfs_" #name);
    IMGBUILD_GUESTFS_FUNCTIONS(IMGBUILD_GUESTFS_RESOLVE)
#undef IMGBUILD_GUESTFS_RESOLVE
    return api;
  }();
  return loaded;
}

struct HandleDeleter {
  void operator()(guestfs_h* g) const {
    // Shut the appliance down cleanly before freeing: close alone would kill it.
    lib().shutdown(g);
    lib().close(g);
  }
};
using Handle = std::unique_ptr<guestfs_h, HandleDeleter>;

// libguestfs returns malloc'd strings and NULL-terminated string lists: own them.
struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
std::string take_string(char* s) {
  if (!s) return {};
  std::unique_ptr<char, FreeDeleter> owned(s);
  return s;
}
std::vector<std::string> take_list(char** list) {
  std::vector<std::string> out;
  if (!list) return out;
  for (char** p = list; *p; ++p) {
    out.emplace_back(*p);
    std::free(*p);
  }
  std::free(list);
  return out;
}

class GuestfsGuest final : public Guest {
 public:
  explicit GuestfsGuest(Handle handle, OsInfo os) : m_g(std::move(handle)), m_os(std::move(os)) {}

  OsInfo os() override { return m_os; }

  std::optional<std::string> read_file(const std::string& path) override {
    if (lib().is_file_opts(m_g.get(), path.c_str(), GUESTFS_IS_FILE_OPTS_FOLLOWSYMLINKS, 1, -1) != 1)
      return std::nullopt;
    size_t size = 0;
    char* data = lib().read_file(m_g.get(), path.c_str(), &size);
    if (!data) return std::nullopt;
    std::unique_ptr<char, FreeDeleter> owned(data);
    return std::string(data, size);
  }

  std::vector<std::string> list_dir(const std::string& path) override {
    if (lib().is_dir_opts(m_g.get(), path.c_str(), GUESTFS_IS_DIR_OPTS_FOLLOWSYMLINKS, 1, -1) != 1) return {};
    auto names = take_list(lib().ls(m_g.get(), path.c_str()));
    std::sort(names.begin(), names.end());
    return names;
  }

  std::vector<FilesystemInfo> filesystems() override {
    std::vector<FilesystemInfo> out;
    auto pairs = take_list(lib().list_filesystems(m_g.get()));
    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) {
      FilesystemInfo fs;
      fs.device = pairs[i];
      fs.type = pairs[i + 1];
      if (fs.type != "unknown") {
        fs.uuid = take_string(lib().vfs_uuid(m_g.get(), fs.device.c_str()));
        fs.label = take_string(lib().vfs_label(m_g.get(), fs.device.c_str()));
      }
      out.push_back(std::move(fs));
    }
    return out;
  }

  std::vector<std::string> disks() override { return take_list(lib().list_devices(m_g.get())); }

  std::string read_device(const std::string& device, int count, std::int64_t offset) override {
    size_t size = 0;
    char* data = lib().pread_device(m_g.get(), device.c_str(), count, offset, &size);
    if (!data) return {};
    std::unique_ptr<char, FreeDeleter> owned(data);
    return std::string(data, size);
  }

 private:
  Handle m_g;
  OsInfo m_os;
};

Handle new_handle() {
  // NO_ENVIRONMENT would ignore LIBGUESTFS_*: we want the user's overrides honoured.
  Handle g(lib().create_flags(GUESTFS_CREATE_NO_CLOSE_ON_EXIT));
  if (!g) throw Error("libguestfs", "cannot create a handle", "is libguestfs installed?", 3);
  // Errors are collected from guestfs_last_error, not printed by the library.
  lib().set_error_handler(g.get(), nullptr, nullptr);
  return g;
}

std::string last_error(guestfs_h* g) {
  const char* message = lib().last_error(g);
  return message ? message : "unknown libguestfs error";
}

std::string first_line(const std::string& message) { return message.substr(0, message.find('\n')); }

Handle launch(const std::string& disk_path, bool force_tcg) {
  Handle g = new_handle();
  if (!std::getenv("LIBGUESTFS_BACKEND")) lib().set_backend(g.get(), "direct");
  if (force_tcg) {
    const char* settings[] = {"force_tcg", nullptr};
    lib().set_backend_settings(g.get(), const_cast<char* const*>(settings));
  }
  if (lib().add_drive_opts(g.get(), disk_path.c_str(), GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1) == -1)
    throw Error(disk_path, "cannot add the disk: " + last_error(g.get()), "is it a disk image?");
  if (lib().launch(g.get()) == -1) throw Error(disk_path, last_error(g.get()), "", 3);
  return g;
}

}  // namespace

std::string kvm_unusable_reason() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::string("/dev/kvm: ") + std::strerror(errno);
  ::close(fd);
  return {};
}

std::unique_ptr<Guest> open_disk(const std::string& disk_path,
                                 const std::function<void(const std::string&)>& note) {
  util::open_for_reading(disk_path, "disk image");  // missing, directory, FIFO: exit 2 here

  std::string reason = kvm_unusable_reason();
  bool tcg = !reason.empty();
  if (tcg) note("KVM unusable (" + reason + "): libguestfs appliance runs under TCG (about 20 s)");
  Handle g;
  util::ProgressStep progress("starting the libguestfs appliance for " + disk_path, 0);
  try {
    g = launch(disk_path, tcg);
  } catch (const Error& e) {
    // A /dev/kvm that opens is not a KVM that works: a nested or half-configured host
    // lets QEMU abort on its first MSR write, and libguestfs then says only "guestfs_launch
    // failed" (QEMU's own words go to its debug log). Any failure with KVM gets one retry
    // under TCG; a failure that is not KVM's then fails again, with its own message.
    if (tcg) throw;
    note("libguestfs launch failed with KVM (" + first_line(e.problem()) + "): retrying under TCG");
    tcg = true;
    g = launch(disk_path, true);
  }
  progress.finish();
  if (!tcg) note("libguestfs appliance launched (KVM usable)");

  auto roots = take_list(lib().inspect_os(g.get()));
  if (roots.empty())
    throw Error(disk_path, "no installed operating system found on this disk",
                "is this the installed disk, not the installer ISO?");
  const std::string& root = roots.front();
  OsInfo os;
  os.root_device = root;
  os.type = take_string(lib().inspect_get_type(g.get(), root.c_str()));
  os.distribution = take_string(lib().inspect_get_distro(g.get(), root.c_str()));
  os.major_version = lib().inspect_get_major_version(g.get(), root.c_str());
  os.minor_version = lib().inspect_get_minor_version(g.get(), root.c_str());
  os.arch = take_string(lib().inspect_get_arch(g.get(), root.c_str()));
  os.product_name = take_string(lib().inspect_get_product_name(g.get(), root.c_str()));
  os.hostname = take_string(lib().inspect_get_hostname(g.get(), root.c_str()));

  // Mount points come as (mountpoint, device) pairs; "/" must be mounted before "/boot".
  auto pairs = take_list(lib().inspect_get_mountpoints(g.get(), root.c_str()));
  std::vector<std::pair<std::string, std::string>> mounts;
  for (std::size_t i = 0; i + 1 < pairs.size(); i += 2) mounts.emplace_back(pairs[i], pairs[i + 1]);
  std::sort(mounts.begin(), mounts.end(),
            [](const auto& a, const auto& b) { return a.first.size() < b.first.size(); });
  for (const auto& [mountpoint, device] : mounts) {
    if (lib().mount_ro(g.get(), device.c_str(), mountpoint.c_str()) == 0) continue;
    note("cannot mount " + device + " on " + mountpoint + ": " + last_error(g.get()));
    // An fstab that names "/" by a kernel name the appliance does not have (/dev/sdb1 as
    // the installer saw it with the virtual media attached): the disk is still worth
    // reading, from the root filesystem inspection found.
    if (mountpoint == "/" && device != root && lib().mount_ro(g.get(), root.c_str(), "/") == 0)
      note("mounted the root filesystem " + root + " on / instead (its fstab names " + device + ")");
  }
  return std::make_unique<GuestfsGuest>(std::move(g), std::move(os));
}

}  // namespace imgbuild::inspect
