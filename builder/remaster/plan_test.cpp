// SPDX-License-Identifier: GPL-2.0-or-later
// The remaster plan, from small hand-made base layouts: what changes where, without an ISO.
#include "remaster/plan.hpp"
#include "util/error.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace imgbuild;
using namespace imgbuild::remaster;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

using Files = std::map<std::string, std::string>;

bootmenu::FileReader reader(const Files& files) {
  return [files](const std::string& path) -> std::optional<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

const char* const k_gzip_head = "\x1f\x8b\x08\x00\x00\x00\x00\x00";
const char* const k_lz4_head = "\x02\x21\x4c\x18\x00\x00\x00\x00";

// An Etch-like netinst: isolinux only, text and graphical installers, md5sum.txt.
BaseLayout etch_layout() {
  BaseLayout layout;
  layout.base_path = "etch.iso";
  layout.volume.volume_id = "Debian 4.0 r9 i386 Bin-1";
  layout.volume.volume_sectors = 1000;
  Files menus = {{"/isolinux/isolinux.cfg",
                  "default install\nprompt 1\ntimeout 0\n"
                  "label install\n\tkernel /install.386/vmlinuz\n\tappend vga=normal initrd=/install.386/initrd.gz --\n"
                  "label installgui\n\tkernel /install.386/vmlinuz\n"
                  "\tappend video=vesa:ywrap,mtrr vga=788 initrd=/install.386/gtk/initrd.gz --\n"}};
  layout.menus.isolinux = bootmenu::load_isolinux("/isolinux/isolinux.cfg", reader(menus));
  layout.files = {"/isolinux/isolinux.cfg", "/install.386/vmlinuz", "/install.386/initrd.gz",
                  "/install.386/gtk/initrd.gz", "/md5sum.txt"};
  layout.heads = {{"/install.386/initrd.gz", std::string(k_gzip_head, 8)},
                  {"/install.386/gtk/initrd.gz", std::string(k_gzip_head, 8)},
                  {"/install.386/vmlinuz", std::string(0x240, '\0')}};
  layout.release = "etch";
  layout.md5sums = "00000000000000000000000000000000  ./install.386/initrd.gz\n";
  return layout;
}

// A Debian 12-like disc: isolinux for BIOS, grub for UEFI, the same initrd in both.
BaseLayout bookworm_layout() {
  BaseLayout layout;
  layout.base_path = "bookworm.iso";
  Files menus = {{"/isolinux/isolinux.cfg",
                  "default install\nlabel install\n\tkernel /install.amd/vmlinuz\n"
                  "\tappend vga=788 initrd=/install.amd/initrd.gz --- quiet\n"},
                 {"/boot/grub/grub.cfg",
                  "menuentry 'Install' {\n\tlinux /install.amd/vmlinuz vga=788 --- quiet\n"
                  "\tinitrd /install.amd/initrd.gz\n}\n"}};
  layout.menus.isolinux = bootmenu::load_isolinux("/isolinux/isolinux.cfg", reader(menus));
  layout.menus.grub = bootmenu::load_grub("/boot/grub/grub.cfg", reader(menus));
  layout.files = {"/isolinux/isolinux.cfg", "/boot/grub/grub.cfg", "/install.amd/vmlinuz", "/install.amd/initrd.gz"};
  layout.heads = {{"/install.amd/initrd.gz", std::string(k_gzip_head, 8)}};
  layout.release = "bookworm";
  return layout;
}

struct Fixture {
  BuildOptions options;
  PlanInputs inputs;
  Fixture() {
    options.base_path = "/srv/etch.iso";
    options.preseed_path = "site.cfg";
    inputs.options = &options;
    inputs.preseed_text = "d-i debian-installer/locale string en_US\n";
    inputs.timestamp = 1176033600;
    inputs.base_digest = "0123456789abcdef0123456789abcdef";
  }
};

std::vector<std::string> paths_of(const std::vector<NewFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.iso_path);
  return out;
}

const NewFile& file_at(const RemasterPlan& plan, const std::string& iso_path) {
  for (const auto& f : plan.files)
    if (f.iso_path == iso_path) return f;
  throw std::runtime_error("no planned file " + iso_path);
}

// The message of the Error make_plan throws, or "" when it makes a plan.
std::string plan_error(const BaseLayout& layout, const PlanInputs& inputs) {
  try {
    make_plan(layout, inputs);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RemasterPlan, EtchInitrdsGetThePreseedAndTheMenuItsEntry) {
  Fixture f;
  RemasterPlan plan = make_plan(etch_layout(), f.inputs);
  EXPECT_THAT(plan.preseeded_initrds, ElementsAre("/install.386/gtk/initrd.gz", "/install.386/initrd.gz"));
  EXPECT_THAT(plan.rewritten_menus, ElementsAre("/isolinux/isolinux.cfg"));
  EXPECT_THAT(paths_of(plan.files), ElementsAre("/install.386/gtk/initrd.gz", "/install.386/initrd.gz",
                                                "/isolinux/isolinux.cfg", k_build_id_path, k_build_info_path));
  EXPECT_EQ(file_at(plan, "/install.386/initrd.gz").source.kind, FileSource::Kind::base_plus_appendix);
  // The appendix is one gzip member (the kernel unpacks it after the original).
  ASSERT_GE(plan.appendix.size(), 2u);
  EXPECT_EQ(plan.appendix.substr(0, 2), "\x1f\x8b");

  const std::string& menu = file_at(plan, "/isolinux/isolinux.cfg").source.text;
  EXPECT_THAT(menu, HasSubstr("auto=true priority=critical"));
  EXPECT_THAT(menu, HasSubstr("label installgui"));  // the disc's own entries stay
  EXPECT_EQ(file_at(plan, k_build_id_path).source.text, plan.build_id + "\n");
  const std::string& info = file_at(plan, k_build_info_path).source.text;
  EXPECT_THAT(info, HasSubstr("\"volume_id\": \"Debian 4.0 r9 i386 Bin-1\""));
  EXPECT_THAT(info, HasSubstr("\"build_id\": \"" + plan.build_id + "\""));
  EXPECT_THAT(info, HasSubstr("\"file\": \"etch.iso\""));
  EXPECT_EQ(plan.timestamp, 1176033600);
  EXPECT_EQ(plan.base_size, 1000u * 2048u);
  EXPECT_FALSE(plan.cdrom_tree);
  EXPECT_FALSE(plan.target_tree);
}

TEST(RemasterPlan, Md5sumsNameEveryNewFileWhenTheDiscHasThem) {
  Fixture f;
  f.inputs.staged.cdrom = NewTree{"/", "/stage/cdrom", {{"/tools/a.sh", "/stage/cdrom/tools/a.sh"},
                                                         {"/md5sum.txt", "/stage/cdrom/md5sum.txt"}}};
  f.inputs.staged.target = NewTree{k_target_overlay_path, "/stage/target",
                                   {{"/imgbuild/target/etc/motd", "/stage/target/etc/motd"}}};
  RemasterPlan plan = make_plan(etch_layout(), f.inputs);
  ASSERT_TRUE(plan.md5sums_base);
  EXPECT_EQ(*plan.md5sums_base, *etch_layout().md5sums);
  std::vector<std::string> keys;
  for (const auto& [path, source] : plan.md5_sources) keys.push_back(path);
  // The disc's own md5sum.txt from an overlay is replaced, never listed in itself.
  EXPECT_THAT(keys, ElementsAre("/imgbuild/build-id", "/imgbuild/build.json", "/imgbuild/target/etc/motd",
                                "/install.386/gtk/initrd.gz", "/install.386/initrd.gz", "/isolinux/isolinux.cfg",
                                "/tools/a.sh"));
  EXPECT_EQ(plan.md5_sources.at("/tools/a.sh").local_path, "/stage/cdrom/tools/a.sh");
  EXPECT_EQ(plan.md5_sources.at(k_build_id_path).text, plan.build_id + "\n");
  // The overlays are grafted around the files: the cdrom tree first, the target tree last.
  ASSERT_TRUE(plan.cdrom_tree && plan.target_tree);
  EXPECT_EQ(plan.cdrom_tree->iso_path, "/");
  EXPECT_EQ(plan.target_tree->iso_path, "/imgbuild/target");
  // The preseed's late_command copies the target overlay in only when there is one.
  Fixture without;
  without.inputs.staged.cdrom = f.inputs.staged.cdrom;
  EXPECT_NE(make_plan(etch_layout(), without.inputs).appendix, plan.appendix);

  BaseLayout no_sums = etch_layout();
  no_sums.md5sums.reset();
  RemasterPlan plain = make_plan(no_sums, f.inputs);
  EXPECT_FALSE(plain.md5sums_base);
  EXPECT_TRUE(plain.md5_sources.empty());
}

TEST(RemasterPlan, BuildIdFieldsAreTheInputsWithSecretsWithheld) {
  Fixture f;
  f.options.allow_plaintext_password = true;
  f.inputs.preseed_text = "d-i passwd/root-password password hunter2\n";
  f.inputs.staged.id_fields = {"cdrom-overlay", "f:a.sh:755"};
  RemasterPlan plan = make_plan(etch_layout(), f.inputs);
  EXPECT_EQ(plan.build_id, build_id_of(plan.build_id_fields));
  EXPECT_EQ(plan.build_id.size(), 32u);
  ASSERT_GE(plan.build_id_fields.size(), 12u);
  EXPECT_EQ(plan.build_id_fields[0], "imgbuild-build-v1");
  EXPECT_EQ(plan.build_id_fields[2], f.inputs.base_digest);
  EXPECT_THAT(plan.build_id_fields[3], Not(HasSubstr("hunter2")));
  EXPECT_EQ(plan.build_id_fields[9], "1176033600");
  EXPECT_THAT(plan.build_id_fields, testing::IsSupersetOf({"cdrom-overlay", "f:a.sh:755"}));
  EXPECT_EQ(plan.build_id_fields.back(), "f:a.sh:755");
  for (const auto& file : plan.files) EXPECT_THAT(file.source.text, Not(HasSubstr("hunter2"))) << file.iso_path;

  // Another password: the same id. Another base, timestamp or overlay: another id.
  Fixture other = f;
  other.inputs.options = &other.options;
  other.inputs.preseed_text = "d-i passwd/root-password password correct-horse\n";
  EXPECT_EQ(make_plan(etch_layout(), other.inputs).build_id, plan.build_id);
  other.inputs.base_digest = "ffffffffffffffffffffffffffffffff";
  EXPECT_NE(make_plan(etch_layout(), other.inputs).build_id, plan.build_id);
  other = f;
  other.inputs.options = &other.options;
  other.inputs.timestamp += 1;
  EXPECT_NE(make_plan(etch_layout(), other.inputs).build_id, plan.build_id);
  other = f;
  other.inputs.options = &other.options;
  other.inputs.staged.id_fields.back() = "f:a.sh:644";
  EXPECT_NE(make_plan(etch_layout(), other.inputs).build_id, plan.build_id);
}

TEST(RemasterPlan, BiosAndUefiMenusBothGetTheEntryMemtestWhereItsProgramIs) {
  Fixture f;
  f.options.memtest = true;
  f.inputs.staged.memtest_local_path = "/stage/memtest86+";
  RemasterPlan plan = make_plan(bookworm_layout(), f.inputs);
  EXPECT_THAT(plan.preseeded_initrds, ElementsAre("/install.amd/initrd.gz"));  // shared: once
  EXPECT_THAT(plan.rewritten_menus, ElementsAre("/isolinux/isolinux.cfg", "/boot/grub/grub.cfg"));
  const NewFile& memtest = file_at(plan, k_memtest_iso_path);
  EXPECT_EQ(memtest.source.kind, FileSource::Kind::local_file);
  EXPECT_EQ(memtest.source.local_path, "/stage/memtest86+");
  EXPECT_THAT(file_at(plan, "/isolinux/isolinux.cfg").source.text, HasSubstr(k_memtest_iso_path));
  EXPECT_THAT(file_at(plan, "/boot/grub/grub.cfg").source.text, HasSubstr("auto=true priority=critical"));
  // No EFI program staged (memtest86+ 5.x has none): GRUB offers no memtest entry.
  EXPECT_THAT(file_at(plan, "/boot/grub/grub.cfg").source.text, Not(HasSubstr("memtest")));
  EXPECT_FALSE(plan.md5sums_base);

  // memtest86+ 6.x's EFI programs: on the disc after the BIOS image, chainloaded by GRUB.
  f.inputs.staged.memtest_efi = {{"x86_64", "/imgbuild/memtest86+x64.efi", "/stage/memtest86+x64.efi"},
                                 {"i386", "/imgbuild/memtest86+ia32.efi", "/stage/memtest86+ia32.efi"}};
  RemasterPlan efi = make_plan(bookworm_layout(), f.inputs);
  EXPECT_THAT(paths_of(efi.files), ElementsAre("/install.amd/initrd.gz", k_memtest_iso_path,
                                               "/imgbuild/memtest86+x64.efi", "/imgbuild/memtest86+ia32.efi",
                                               "/isolinux/isolinux.cfg", "/boot/grub/grub.cfg", k_build_id_path,
                                               k_build_info_path));
  EXPECT_EQ(file_at(efi, "/imgbuild/memtest86+x64.efi").source.local_path, "/stage/memtest86+x64.efi");
  const std::string& grub = file_at(efi, "/boot/grub/grub.cfg").source.text;
  EXPECT_THAT(grub, HasSubstr("/imgbuild/memtest86+x64.efi"));
  EXPECT_THAT(grub, HasSubstr("/imgbuild/memtest86+ia32.efi"));
  EXPECT_THAT(grub, HasSubstr("insmod chain"));
  EXPECT_THAT(file_at(efi, "/isolinux/isolinux.cfg").source.text, Not(HasSubstr(".efi")));
}

TEST(RemasterPlan, WithoutPreseedOnlyImgbuildFilesAndOverlays) {
  Fixture f;
  f.options.preseed_path.reset();
  f.inputs.preseed_text.clear();
  f.inputs.staged.cdrom = NewTree{"/", "/stage/cdrom", {{"/a", "/stage/cdrom/a"}}};
  RemasterPlan plan = make_plan(etch_layout(), f.inputs);
  EXPECT_TRUE(plan.appendix.empty());
  EXPECT_TRUE(plan.preseeded_initrds.empty());
  EXPECT_THAT(paths_of(plan.files), ElementsAre(k_build_id_path, k_build_info_path));
  EXPECT_THAT(file_at(plan, k_build_info_path).source.text, HasSubstr("\"preseed\": null"));

  f.options.kernel_args = "console=ttyS0";
  EXPECT_THROW(make_plan(etch_layout(), f.inputs), Error);
}

TEST(RemasterPlan, RefusesWhatCannotBeBuilt) {
  Fixture f;
  BaseLayout missing = etch_layout();
  missing.files.erase("/install.386/gtk/initrd.gz");
  EXPECT_THAT(plan_error(missing, f.inputs),
              HasSubstr("boot menu names initrd /install.386/gtk/initrd.gz which is not on the disc"));
  BaseLayout lz4 = etch_layout();
  lz4.heads["/install.386/initrd.gz"] = std::string(k_lz4_head, 8);
  EXPECT_THAT(plan_error(lz4, f.inputs), HasSubstr("etch.iso:/install.386/initrd.gz"));
  BaseLayout no_installer = etch_layout();
  no_installer.menus = {};
  EXPECT_THROW(make_plan(no_installer, f.inputs), Error);
  // A kernel whose boot protocol keeps 255 bytes of command line (Etch's 2.6.18).
  BaseLayout old_kernel = etch_layout();
  std::string head(0x240, '\0');
  head.replace(0x202, 4, "HdrS");
  head[0x206] = 0x05;  // protocol 2.05
  head[0x207] = 0x02;
  old_kernel.heads["/install.386/vmlinuz"] = head;
  f.options.kernel_args = std::string(300, 'x');
  EXPECT_THROW(make_plan(old_kernel, f.inputs), Error);
  f.options.kernel_args = "console=ttyS0";
  EXPECT_NO_THROW(make_plan(old_kernel, f.inputs));
}
